import Logging
import MinshengPlatform
import Testing

@Suite("Settings from the environment")
struct ServiceSettingsTests {
    @Test func defaults() throws {
        let settings = try ServiceSettings.load(for: .dispatch, environment: [:])
        #expect(settings.kafkaBootstrapServers == "127.0.0.1:19092")
        #expect(settings.dataDirectory == "./data/dispatch")
        #expect(settings.configDirectory == "./deploy/config")
        #expect(settings.httpPort == 8083)
        #expect(settings.logLevel == .info)
        #expect(settings.kafkaIdlePause == nil)
        #expect(settings.createTopics)
    }

    @Test func valuesAreRead() throws {
        let settings = try ServiceSettings.load(for: .intake, environment: [
            "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092,kafka2:9092", "MINSHENG_DATA_DIR": "/data", "HTTP_PORT": "9000",
            "LOG_LEVEL": "DEBUG", "KAFKA_IDLE_PAUSE_MS": "250", "MINSHENG_INSTANCE_ID": "intake-7",
            "KAFKA_CREATE_TOPICS": "false",
        ])
        #expect(settings.kafkaBootstrapServers == "kafka:9092,kafka2:9092")
        #expect(settings.httpPort == 9000)
        #expect(settings.logLevel == .debug)
        #expect(settings.kafkaIdlePause == .milliseconds(250))
        #expect(settings.instanceId == "intake-7")
        #expect(!settings.createTopics)
    }

    @Test(arguments: [
        ("HTTP_PORT", "http"), ("HTTP_PORT", "70000"), ("LOG_LEVEL", "verbose"), ("KAFKA_BOOTSTRAP_SERVERS", "kafka"),
        ("KAFKA_IDLE_PAUSE_MS", "-1"), ("KAFKA_TOPIC_PARTITIONS", "0"), ("KAFKA_CREATE_TOPICS", "maybe"),
        ("MINSHENG_INSTANCE_ID", "has space"), ("MINSHENG_DATA_DIRECTORY", "/typo"),
        ("KAFKA_CLIENT_PROPERTIES", "linger.ms"), ("KAFKA_CLIENT_PROPERTIES", "acks=1"),
        ("KAFKA_CLIENT_PROPERTIES", "linger.ms=5;linger.ms=10"), ("KAFKA_CLIENT_PROPERTIES", "ssl.ca.location=/x"),
        ("KAFKA_CLIENT_PROPERTIES", "=5"),
    ])
    func invalidValuesNameTheVariable(name: String, value: String) {
        do {
            _ = try ServiceSettings.load(for: .notification, environment: [name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch {
            #expect(error.description.contains(name))
        }
    }

    @Test func clientPropertiesReachEveryClientButCannotOverrideMinshengsOwn() throws {
        let settings = try ServiceSettings.load(for: .dispatch, environment: [
            "KAFKA_CLIENT_PROPERTIES": " linger.ms = 20 ; fetch.wait.max.ms=50;;",
            "KAFKA_SECURITY_PROTOCOL": "ssl",
        ])
        #expect(settings.kafkaClientProperties == ["linger.ms": "20", "fetch.wait.max.ms": "50"])
        let configuration = settings.kafkaConfiguration(role: "consumer")
        #expect(configuration["linger.ms"] == "20")
        #expect(configuration["fetch.wait.max.ms"] == "50")
        #expect(configuration["security.protocol"] == "ssl")
        #expect(configuration["client.id"] == "minsheng-dispatch-consumer")
        #expect(try ServiceSettings.load(for: .dispatch, environment: [:]).kafkaClientProperties.isEmpty)
    }

    @Test func helpListsEveryVariable() {
        let help = ServiceSettings.help(for: .classification)
        for variable in ServiceSettings.variables(for: .classification) { #expect(help.contains(variable.name)) }
        #expect(help.contains("8082"))
    }
}
