/// librdkafka properties an operator adds to every Kafka client of a service, from
/// `KAFKA_CLIENT_PROPERTIES` (`name=value;name=value`): tuning such as `linger.ms`, `fetch.wait.max.ms`,
/// `socket.keepalive.enable`, or `debug=protocol` while chasing a fault, without a new build.
///
/// Properties Minsheng sets for its guarantees (idempotence, acks, offsets stored only after the local
/// commit, group membership) or through its own variables (brokers, client id, TLS and SASL) are refused
/// by name: overriding them would silently lose or duplicate events. Unknown names and bad values are
/// reported by librdkafka when the first client is made, naming the property.
public enum KafkaClientProperties {
    public static let variable = "KAFKA_CLIENT_PROPERTIES"

    /// Set by Minsheng itself; an operator's value is refused.
    public static let reserved: Set<String> = [
        "bootstrap.servers", "metadata.broker.list", "client.id",
        "enable.idempotence", "acks", "request.required.acks", "transactional.id",
        "group.id", "group.instance.id", "enable.auto.commit", "enable.auto.offset.store",
        "enable.partition.eof", "partition.assignment.strategy", "auto.offset.reset", "isolation.level",
    ]

    /// Parses `name=value;name=value` (spaces around names and values ignored; empty entries skipped).
    public static func parse(_ raw: String) throws(ConfigurationError) -> [String: String] {
        var properties: [String: String] = [:]
        for entry in raw.split(separator: ";") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw .variable(variable, raw, expected: "name=value;name=value (\"\(trimmed)\" has no '=')")
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") }) else {
                throw .variable(variable, raw, expected: "librdkafka property names (\"\(name)\" is not one)")
            }
            if reserved.contains(name) || name.hasPrefix("security.") || name.hasPrefix("sasl.") || name.hasPrefix("ssl.") {
                throw ConfigurationError(
                    "\(variable): \(name) is set by Minsheng itself (its guarantees, or KAFKA_BOOTSTRAP_SERVERS and the KAFKA_SECURITY_* settings) and cannot be overridden")
            }
            guard properties[name] == nil else {
                throw ConfigurationError("\(variable): \(name) is given twice")
            }
            properties[name] = value
        }
        return properties
    }
}
