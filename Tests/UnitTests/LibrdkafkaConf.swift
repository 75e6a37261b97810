import CRdKafka

/// What a librdkafka configuration holds, read back as librdkafka reports it (for tests of the
/// configuration Minsheng builds).
enum LibrdkafkaConf {
    static func value(_ conf: OpaquePointer, _ name: String) -> String? {
        var size = 512
        var buffer = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
