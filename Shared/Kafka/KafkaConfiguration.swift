import CRdKafka
import Foundation

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

    /// A new `rd_kafka_conf_t` for a client of `type` with every property that applies to it; the caller
    /// owns it. A producer's property is left out of a consumer and the other way round (librdkafka would
    /// only warn that it ignores it, e.g. `compression.type` from `KAFKA_CLIENT_PROPERTIES` on every consumer).
    func makeConf(for type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw .configuration("rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) where PropertyScope.applies(key, to: type) {
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

/// Which clients a librdkafka property is for, read from librdkafka's own table of properties (the C/P
/// column of its CONFIGURATION.md: `C` consumer, `P` producer, `*` both).
enum PropertyScope {
    static let table: [String: Character] = {
        guard let file = tmpfile() else { return [:] }
        defer { fclose(file) }
        rd_kafka_conf_properties_show(file)
        rewind(file)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        var table: [String: Character] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let columns = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard columns.count == 3 else { continue }
            let name = columns[0].trimmingCharacters(in: .whitespaces)
            let scope = columns[1].trimmingCharacters(in: .whitespaces)
            guard let marker = scope.first, scope.count == 1, "CP*".contains(marker), table[name] == nil else { continue }
            table[name] = marker
        }
        return table
    }()

    /// True unless librdkafka names `name` as the other kind of client's only (unknown names pass, for
    /// librdkafka to report).
    static func applies(_ name: String, to type: rd_kafka_type_t) -> Bool {
        switch table[name] {
        case "C": type == RD_KAFKA_CONSUMER
        case "P": type == RD_KAFKA_PRODUCER
        default: true
        }
    }
}
