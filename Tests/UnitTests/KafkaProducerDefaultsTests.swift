import CRdKafka
import Testing
@testable import MinshengKafka

/// What every Minsheng producer is given, and what a setting (`KAFKA_CLIENT_PROPERTIES`) may change.
@Suite("Producer defaults")
struct KafkaProducerDefaultsTests {
    func value(_ configuration: KafkaConfiguration, _ name: String) throws -> String? {
        let conf = try configuration.makeConf(for: RD_KAFKA_PRODUCER)
        defer { rd_kafka_conf_destroy(conf) }
        return LibrdkafkaConf.value(conf, name)
    }

    @Test func batchesAreCompressedWithZstdByDefault() throws {
        let configuration = KafkaProducer.withDefaults(KafkaConfiguration(bootstrapServers: "127.0.0.1:9", clientId: "p"))
        #expect(try value(configuration, "compression.type") == "zstd")
        #expect(try value(configuration, "linger.ms") == "5")
        #expect(try value(configuration, "partitioner") == "murmur2_random")
        #expect(try value(configuration, "enable.idempotence") == "true")
        #expect(try value(configuration, "acks") == "-1")  // librdkafka's spelling of all
    }

    @Test func aSettingChoosesAnotherCompressionOrNone() throws {
        for (name, given, expected) in [("compression.type", "none", "none"), ("compression.type", "lz4", "lz4"),
                                        ("compression.codec", "gzip", "gzip")] {
            let configuration = KafkaProducer.withDefaults(
                KafkaConfiguration(bootstrapServers: "127.0.0.1:9", clientId: "p", extra: [name: given]))
            #expect(try value(configuration, "compression.type") == expected, "\(name)=\(given)")
        }
    }

    @Test func idempotenceAndAcksCannotBeTurnedOff() throws {
        let configuration = KafkaProducer.withDefaults(KafkaConfiguration(
            bootstrapServers: "127.0.0.1:9", clientId: "p", extra: ["enable.idempotence": "false", "acks": "1"]))
        #expect(try value(configuration, "enable.idempotence") == "true")
        #expect(try value(configuration, "acks") == "-1")
    }
}
