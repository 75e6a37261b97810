import CRdKafka
import Testing
@testable import MinshengKafka

/// A property for one kind of client is left out of the other's configuration, as librdkafka's own table
/// says (a consumer given `compression.type` would only warn that it ignores it).
@Suite("librdkafka properties reach the clients they are for")
struct KafkaPropertyScopeTests {
    @Test func librdkafkasTableDecides() {
        #expect(PropertyScope.table.count > 100)
        #expect(!PropertyScope.applies("compression.type", to: RD_KAFKA_CONSUMER))
        #expect(PropertyScope.applies("compression.type", to: RD_KAFKA_PRODUCER))
        #expect(!PropertyScope.applies("linger.ms", to: RD_KAFKA_CONSUMER))
        #expect(!PropertyScope.applies("fetch.wait.max.ms", to: RD_KAFKA_PRODUCER))
        #expect(PropertyScope.applies("fetch.wait.max.ms", to: RD_KAFKA_CONSUMER))
        #expect(PropertyScope.applies("debug", to: RD_KAFKA_CONSUMER) && PropertyScope.applies("debug", to: RD_KAFKA_PRODUCER))
        // Unknown names go through, for librdkafka to name them when the client is made.
        #expect(PropertyScope.applies("no.such.property", to: RD_KAFKA_CONSUMER))
    }

    @Test func aConsumersConfigurationLeavesProducerPropertiesOut() throws {
        let configuration = KafkaConfiguration(
            bootstrapServers: "127.0.0.1:9", clientId: "scope", extra: ["compression.type": "zstd", "fetch.wait.max.ms": "50"])
        let consumerConf = try configuration.makeConf(for: RD_KAFKA_CONSUMER)
        defer { rd_kafka_conf_destroy(consumerConf) }
        let producerConf = try configuration.makeConf(for: RD_KAFKA_PRODUCER)
        defer { rd_kafka_conf_destroy(producerConf) }
        let value = LibrdkafkaConf.value
        #expect(value(producerConf, "compression.type") == "zstd")
        #expect(value(consumerConf, "compression.type") == "none")  // librdkafka's default: not set
        #expect(value(consumerConf, "fetch.wait.max.ms") == "50")
        #expect(value(producerConf, "fetch.wait.max.ms") == "500")
    }
}
