import CRdKafka

/// One message read from Kafka, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// The message's timestamp in milliseconds since 1970 (the producer's create time, or the broker's
    /// append time when the topic says so); nil when it has none.
    public var timestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], timestamp: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
    }

    /// The key as UTF-8 text, if it is.
    public var keyString: String? {
        key.flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// `topic/partition/offset`: where this message sits, unique in the cluster.
    public var coordinates: String { "\(topic)/\(partition)/\(offset)" }

    init(copying message: UnsafePointer<rd_kafka_message_t>) {
        let m = message.pointee
        topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        partition = m.partition
        offset = m.offset
        if let keyPointer = m.key, m.key_len > 0 {
            key = Array(UnsafeRawBufferPointer(start: keyPointer, count: m.key_len))
        } else {
            key = nil
        }
        if let payload = m.payload, m.len > 0 {
            value = Array(UnsafeRawBufferPointer(start: payload, count: m.len))
        } else {
            value = []
        }
        var kind = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let stamp = rd_kafka_message_timestamp(message, &kind)
        timestamp = kind == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || stamp < 0 ? nil : stamp
    }
}

/// Where a produced message was written.
public struct DeliveryReport: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}
