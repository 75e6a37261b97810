import Foundation
import Logging

/// Everything a service reads from its environment. The same variable names in every service and in
/// docker-compose; `--help` lists them (see `ServiceSettings.variables`).
public struct ServiceSettings: Sendable {
    public var service: ServiceName
    /// `KAFKA_BOOTSTRAP_SERVERS`
    public var kafkaBootstrapServers: String
    /// `MINSHENG_DATA_DIR`: the service's SQLite directory.
    public var dataDirectory: String
    /// `MINSHENG_CONFIG_DIR`: routing, units and region files.
    public var configDirectory: String
    /// `HTTP_HOST`
    public var httpHost: String
    /// `HTTP_PORT`
    public var httpPort: Int
    /// `LOG_LEVEL`
    public var logLevel: Logger.Level
    /// `MINSHENG_INSTANCE_ID`: stable per instance; the consumer's static group membership id.
    public var instanceId: String
    /// `KAFKA_IDLE_PAUSE_MS`: pause fetching while idle (local broker only); 0 = off.
    public var kafkaIdlePause: Duration?
    /// `KAFKA_TOPIC_PARTITIONS`: partitions for topics this service creates; nil: the topic catalogue's.
    public var topicPartitions: Int32?
    /// `KAFKA_CREATE_TOPICS`: create missing topics at start-up.
    public var createTopics: Bool
    /// `KAFKA_CLIENT_PROPERTIES`: librdkafka properties added to every Kafka client (`KafkaClientProperties`).
    public var kafkaClientProperties: [String: String] = [:]
    /// Throughput and retention (`MINSHENG_BATCH_MAX`, `MINSHENG_RETENTION_*`).
    public var processing = ProcessingSettings()

    // MARK: Security settings (docs/security.md)
    /// `MINSHENG_DEMO_MODE`: accept the public `demo-` tokens, http webhooks without secrets. Never in production.
    public var demoMode: Bool = false
    /// `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_SSL_*`: TLS and SASL towards the brokers.
    public var kafkaSecurity = KafkaSecuritySettings()

    /// One line per variable, for `--help` and the README.
    public static func variables(for service: ServiceName) -> [(name: String, meaning: String)] {
        [
            ("KAFKA_BOOTSTRAP_SERVERS", "Kafka brokers, host:port[,host:port] (default 127.0.0.1:19092)"),
            ("MINSHENG_DATA_DIR", "directory of this service's SQLite database; {instance} is replaced by the instance id (default ./data/\(service.rawValue))"),
            ("MINSHENG_CONFIG_DIR", "directory with units.json, routing.json, region.json (default ./deploy/config)"),
            ("HTTP_HOST", "address the HTTP server binds (default 0.0.0.0)"),
            ("HTTP_PORT", "HTTP port for the API, /healthz, /readyz and /metrics (default \(service.defaultHTTPPort))"),
            ("LOG_LEVEL", "trace, debug, info, notice, warning, error or critical (default info)"),
            ("MINSHENG_INSTANCE_ID", "stable id of this instance, used for static group membership (default \(service.rawValue)-<hostname>)"),
            ("KAFKA_IDLE_PAUSE_MS", "pause fetching while idle, checking for new data every N ms; for the local test broker only (default 0 = off)"),
            ("KAFKA_TOPIC_PARTITIONS", "partitions of topics created at start-up (default: the topic catalogue's, 6; 1 for dead letters)"),
            ("KAFKA_CREATE_TOPICS", "create missing topics at start-up: true or false (default true)"),
            ("KAFKA_CLIENT_PROPERTIES", "librdkafka properties for every Kafka client, name=value;name=value, e.g. linger.ms=20 (default none; Minsheng's own, such as acks, are refused)"),
        ] + ProcessingSettings.variables + securityVariables + service.ownVariables
    }

    // MARK: Security settings (docs/security.md)
    public static let securityVariables: [(name: String, meaning: String)] = [
        ("MINSHENG_DEMO_MODE", "true accepts the public demo- tokens and http webhooks without secrets; never in production (default false)"),
    ] + KafkaSecuritySettings.variables

    /// Reads the security settings into `settings`.
    static func loadSecurity(
        into settings: inout ServiceSettings, _ value: (String) -> String?
    ) throws(ConfigurationError) {
        if let raw = value("MINSHENG_DEMO_MODE") {
            switch raw.lowercased() {
            case "true", "1", "yes": settings.demoMode = true
            case "false", "0", "no": settings.demoMode = false
            default: throw .variable("MINSHENG_DEMO_MODE", raw, expected: "true or false")
            }
        }
        settings.kafkaSecurity = try KafkaSecuritySettings.load(value, demoMode: settings.demoMode)
    }

    public static func help(for service: ServiceName) -> String {
        let width = variables(for: service).map(\.name.count).max() ?? 0
        let lines = variables(for: service).map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0)) \($0.meaning)" }
        return "Environment variables:\n" + lines.joined(separator: "\n")
    }

    /// Reads and checks every variable; an unknown or invalid value names the variable.
    public static func load(
        for service: ServiceName, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServiceSettings {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        let known = Set(variables(for: service).map(\.name))
        if let unknown = environment.keys.sorted().first(where: { $0.hasPrefix("MINSHENG_") && !known.contains($0) }) {
            throw ConfigurationError("\(unknown) is not a setting of \(service.executableName) (see --help)")
        }
        let bootstrap = value("KAFKA_BOOTSTRAP_SERVERS") ?? "127.0.0.1:19092"
        for server in bootstrap.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = server.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw .variable("KAFKA_BOOTSTRAP_SERVERS", bootstrap, expected: "host:port[,host:port]")
            }
        }
        let port: Int
        if let raw = value("HTTP_PORT") {
            guard let parsed = Int(raw), (0...65535).contains(parsed) else {
                throw .variable("HTTP_PORT", raw, expected: "a port number 0-65535")
            }
            port = parsed
        } else {
            port = service.defaultHTTPPort
        }
        var level = Logger.Level.info
        if let raw = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: raw.lowercased()) else {
                throw .variable("LOG_LEVEL", raw, expected: "trace, debug, info, notice, warning, error or critical")
            }
            level = parsed
        }
        var idlePause: Duration?
        if let raw = value("KAFKA_IDLE_PAUSE_MS") {
            guard let millis = Int(raw), (0...60_000).contains(millis) else {
                throw .variable("KAFKA_IDLE_PAUSE_MS", raw, expected: "milliseconds 0-60000")
            }
            idlePause = millis == 0 ? nil : .milliseconds(millis)
        }
        var partitions: Int32?
        if let raw = value("KAFKA_TOPIC_PARTITIONS") {
            guard let parsed = Int32(raw), (1...1000).contains(parsed) else {
                throw .variable("KAFKA_TOPIC_PARTITIONS", raw, expected: "a number 1-1000")
            }
            partitions = parsed
        }
        var createTopics = true
        if let raw = value("KAFKA_CREATE_TOPICS") {
            switch raw.lowercased() {
            case "true", "1", "yes": createTopics = true
            case "false", "0", "no": createTopics = false
            default: throw .variable("KAFKA_CREATE_TOPICS", raw, expected: "true or false")
            }
        }
        let instanceId = value("MINSHENG_INSTANCE_ID") ?? "\(service.rawValue)-\(ProcessInfo.processInfo.hostName)"
        guard instanceId.count <= 200, instanceId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw .variable("MINSHENG_INSTANCE_ID", instanceId, expected: "up to 200 ASCII letters, digits, '-', '_' or '.'")
        }
        let processing = try ProcessingSettings.load(value)
        var settings = ServiceSettings(
            service: service,
            kafkaBootstrapServers: bootstrap,
            // `{instance}` lets replicas that share one volume keep a directory each (docker-compose --scale).
            dataDirectory: (value("MINSHENG_DATA_DIR") ?? "./data/\(service.rawValue)").replacingOccurrences(of: "{instance}", with: instanceId),
            configDirectory: value("MINSHENG_CONFIG_DIR") ?? "./deploy/config",
            httpHost: value("HTTP_HOST") ?? "0.0.0.0",
            httpPort: port,
            logLevel: level,
            instanceId: instanceId,
            kafkaIdlePause: idlePause,
            topicPartitions: partitions,
            createTopics: createTopics,
            processing: processing
        )
        if let raw = value(KafkaClientProperties.variable) {
            settings.kafkaClientProperties = try KafkaClientProperties.parse(raw)
        }
        try loadSecurity(into: &settings, value)
        return settings
    }
}
