import ArgumentParser
import Foundation
import MinshengKafka
import MinshengPlatform

/// Where the broker is. The Kafka settings are read by the services' own settings code
/// (`ServiceSettings`), from the same `KAFKA_*` environment variables, so whatever a service needs to
/// reach the broker (addresses, and TLS/SASL where configured) the command uses too.
struct KafkaOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers"), help: "host:port[,host:port]; default: KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:19092")
    var bootstrapServers: String?

    func configuration(role: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KafkaConfiguration {
        var kafkaEnvironment = environment.filter { $0.key.hasPrefix("KAFKA_") || $0.key == "LOG_LEVEL" }
        if let bootstrapServers { kafkaEnvironment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrapServers }
        let settings: ServiceSettings
        do {
            settings = try ServiceSettings.load(for: .intake, environment: kafkaEnvironment)
        } catch {
            throw ValidationError("\(error)")
        }
        var configuration = settings.kafkaConfiguration(role: role)
        configuration["client.id"] = "minsheng-ctl-\(role)"
        return configuration
    }

    func admin() throws -> KafkaAdmin {
        try KafkaAdmin(configuration: configuration(role: "admin"))
    }
}

/// Writes to standard error (progress, notes), leaving standard output to results.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
