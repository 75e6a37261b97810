/// A topic as it should exist on the broker: name, partition count and topic-level settings
/// (Kafka's names, e.g. `retention.ms`). Settings not listed are the broker's defaults.
public struct TopicSpec: Sendable, Equatable {
    public var name: String
    public var partitions: Int32
    /// -1: the broker's `default.replication.factor`.
    public var replicationFactor: Int32
    public var config: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// One partition of one topic.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)/\(partition)" }
}
