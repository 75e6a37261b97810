import CRdKafka

/// librdkafka properties (CONFIGURATION.md names), applied to a new client handle.
public struct KafkaConfiguration: Sendable {
    public var properties: [String: String]

    public init(bootstrapServers: String, clientId: String, extra: [String: String] = [:]) {
        properties = ["bootstrap.servers": bootstrapServers, "client.id": clientId]
        properties.merge(extra) { _, new in new }
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// For a handle that fetches: lets one fetch response be up to 1 GiB (`receive.message.max.bytes`;
    /// librdkafka's default is 100 MB), unless set otherwise. Kafka keeps a response within
    /// `fetch.max.bytes` (50 MB), so nothing changes there. The local test broker answers a fetch with
    /// everything after the position: a partition holding more than 100 MB from there (a changelog, which
    /// it never compacts) could not be read at all, the client dropping the connection on every try.
    mutating func allowLargeFetchResponses() {
        if self["receive.message.max.bytes"] == nil { self["receive.message.max.bytes"] = "1073741824" }
    }

    /// A new `rd_kafka_conf_t` with every property set; the caller owns it.
    func makeConf() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw .configuration("rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw .configuration("Kafka setting \(key)=\(Self.shown(key, value)): \(String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
            }
        }
        return conf
    }

    /// A property's value as errors and logs may show it: secrets (passwords) are hidden.
    static func shown(_ key: String, _ value: String) -> String {
        key.contains("password") || key.contains("secret") ? "<hidden>" : value
    }
}
