import CRdKafka
import Foundation
import Logging
import Synchronization

/// Reads chosen partitions from chosen offsets, outside any consumer group (nothing is committed): to
/// restore a partition's state from its changelog, and to follow a topic into a local read model. Every
/// blocking librdkafka call runs on the reader's own serial queue.
public final class KafkaPartitionReader: Sendable {
    private let client: ClientHandle
    private var handle: OpaquePointer { client.pointer }
    private let queue: DispatchQueue
    private let closed = Mutex<Bool>(false)
    private let logger: Logger
    private let following = Mutex(Following())
    /// Suspend fetching after a poll that found nothing (see `poll`); nil = never.
    private let idlePause: Duration?

    public init(configuration: KafkaConfiguration, name: String, idlePause: Duration? = nil, logger: Logger) throws {
        var configuration = configuration
        // librdkafka wants a group id for a consumer handle; this one never joins or commits.
        configuration["group.id"] = "minsheng-reader-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
        configuration["enable.auto.commit"] = "false"
        configuration["enable.auto.offset.store"] = "false"
        configuration["enable.partition.eof"] = "true"
        configuration["auto.offset.reset"] = "earliest"
        if configuration["queued.max.messages.kbytes"] == nil { configuration["queued.max.messages.kbytes"] = "16384" }
        configuration.allowLargeFetchResponses()
        let conf = try configuration.makeConf(for: RD_KAFKA_CONSUMER)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration("cannot create Kafka reader: \(String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        rd_kafka_poll_set_consumer(handle)
        client = ClientHandle(pointer: handle)
        queue = DispatchQueue(label: "minsheng.kafka.reader.\(name)")
        self.idlePause = idlePause
        self.logger = logger
    }

    /// Reads `partition` of `topic` from `offset` to its end as it is when the call starts, handing the
    /// messages to `apply` in batches of up to `batchSize`, in order. Returns the offset after the last
    /// message read (`offset` when there was nothing).
    public func catchUp(
        topic: String, partition: Int32, from offset: Int64, batchSize: Int = 1000,
        apply: @escaping @Sendable ([KafkaMessage]) throws -> Void
    ) async throws -> Int64 {
        try await onQueue {
            let (low, high) = try self.watermarks(TopicPartition(topic: topic, partition: partition))
            var next = Swift.max(offset, low)
            guard next < high else { return Swift.max(offset, next) }
            let list = rd_kafka_topic_partition_list_new(1)!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_topic_partition_list_add(list, topic, partition)!.pointee.offset = next
            let assigned = rd_kafka_assign(self.handle, list)
            guard assigned == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(assigned, context: "assign \(topic)/\(partition)") }
            defer { rd_kafka_assign(self.handle, nil) }
            var batch: [KafkaMessage] = []
            var idle = 0
            while next < high {
                guard !self.closed.withLock({ $0 }) else { throw KafkaError.closed }
                guard let raw = rd_kafka_consumer_poll(self.handle, 100) else {
                    idle += 1
                    // Thirty seconds without a message while records remain: the partition cannot be read.
                    if idle > 300 { throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, context: "read \(topic)/\(partition) at \(next) of \(high)") }
                    continue
                }
                defer { rd_kafka_message_destroy(raw) }
                idle = 0
                let message = raw.pointee
                if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    next = Swift.max(next, message.offset)
                    break
                }
                guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    let error = KafkaError(message.err, context: "read \(topic)/\(partition)")
                    if error.isFatal { throw error }
                    continue
                }
                batch.append(KafkaMessage(copying: raw))
                next = message.offset + 1
                if batch.count >= batchSize {
                    try apply(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try apply(batch) }
            return next
        }
    }

    /// The logical offset "from the end as it is now".
    public static let end = Int64(RD_KAFKA_OFFSET_END)
    /// The logical offset "from the first message kept".
    public static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)

    /// Starts following `partitions` from the given offsets (absolute, or `end`/`beginning`, which are
    /// resolved to absolute offsets here), replacing what was followed before.
    public func follow(_ partitions: [TopicPartition: Int64]) async throws {
        try await onQueue {
            var positions: [TopicPartition: Int64] = [:]
            for (partition, offset) in partitions {
                guard offset < 0 else { positions[partition] = offset; continue }
                let (low, high) = try self.watermarks(partition)
                positions[partition] = offset == Self.beginning ? low : high
            }
            try self.assign(positions)
            self.following.withLock { $0 = Following(positions: positions, suspended: false) }
        }
    }

    /// Stops fetching what is followed (no requests to the broker at all), keeping the positions: the
    /// next `resume` (with an idle pause, also a `poll` that finds something new) goes on from them.
    public func suspend() async throws {
        try await onQueue { try self.suspendOnQueue() }
    }

    /// Fetches again what `suspend` stopped, from where it stopped.
    public func resume() async throws {
        try await onQueue { try self.resumeOnQueue() }
    }

    /// The next messages of what is followed, waiting up to `wait` for the first; empty when none came.
    /// With an `idlePause`, a poll that found nothing suspends fetching (for brokers that answer empty
    /// fetches at once, on which an idle reader would spin); while suspended, each poll reads the
    /// partitions' end offsets, sleeping up to `idlePause` between checks, and resumes when one has moved.
    public func poll(maxMessages: Int, wait: Duration) async throws -> [KafkaMessage] {
        if following.withLock({ $0.suspended }) {
            // Suspended by `suspend` (no idle pause): until `resume`.
            guard idlePause != nil, try await onQueue({ try self.resumeIfMoved() }) else {
                try await Task.sleep(for: min(wait, idlePause ?? wait))
                return []
            }
        }
        let milliseconds = Int32(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)
        return try await onQueue {
            var batch: [KafkaMessage] = []
            /// Where partitions were found at their end: past what follows the last message that is not
            /// one (transaction markers).
            var ends: [TopicPartition: Int64] = [:]
            var timeout = milliseconds
            while batch.count < maxMessages, !self.closed.withLock({ $0 }), let raw = rd_kafka_consumer_poll(self.handle, timeout) {
                defer { rd_kafka_message_destroy(raw) }
                timeout = 0
                let message = raw.pointee
                if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    batch.append(KafkaMessage(copying: raw))
                } else if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    if let topic = message.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) {
                        ends[TopicPartition(topic: topic, partition: message.partition)] = message.offset
                    }
                } else {
                    let error = KafkaError(message.err, context: "follow")
                    if error.isFatal { throw error }
                    self.logger.debug("Kafka reader error", metadata: ["kafka.error": "\(error)"])
                }
            }
            self.following.withLock { following in
                for message in batch {
                    let partition = TopicPartition(topic: message.topic, partition: message.partition)
                    following.positions[partition] = Swift.max(following.positions[partition] ?? 0, message.offset + 1)
                }
                for (partition, end) in ends where following.positions[partition] != nil {
                    following.positions[partition] = Swift.max(following.positions[partition] ?? 0, end)
                }
            }
            if batch.isEmpty, self.idlePause != nil { try self.suspendOnQueue() }
            return batch
        }
    }

    /// Where each followed partition has been read to: the offset after the last message handed out, or
    /// the partition's end when the reader found it there (past transaction markers, which are no messages).
    public var positions: [TopicPartition: Int64] { following.withLock { $0.positions } }

    /// What is followed, at which absolute positions (the offset after the last message handed out).
    private struct Following {
        var positions: [TopicPartition: Int64] = [:]
        var suspended = false
    }

    /// Runs on `queue`.
    private func assign(_ positions: [TopicPartition: Int64]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(Swift.max(1, positions.count)))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in positions {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!.pointee.offset = offset
        }
        let err = rd_kafka_assign(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "follow \(positions.keys.map(\.description))") }
    }

    /// Runs on `queue`. Messages fetched but not handed out are dropped; resuming fetches them again.
    private func suspendOnQueue() throws {
        guard following.withLock({ !$0.suspended && !$0.positions.isEmpty }) else { return }
        let err = rd_kafka_assign(handle, nil)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "suspend following") }
        following.withLock { $0.suspended = true }
    }

    /// Runs on `queue`.
    private func resumeOnQueue() throws {
        let (positions, suspended) = following.withLock { ($0.positions, $0.suspended) }
        guard suspended else { return }
        try assign(positions)
        following.withLock { $0.suspended = false }
    }

    /// Runs on `queue`: resumes when a followed partition has a message past its position.
    private func resumeIfMoved() throws -> Bool {
        let positions = following.withLock { $0.positions }
        for (partition, position) in positions {
            if try watermarks(partition).high > position {
                try resumeOnQueue()
                return true
            }
        }
        return false
    }

    /// The first offset `partition` of `topic` keeps and the offset the next message will get.
    public func offsets(of topic: String, partition: Int32) async throws -> (first: Int64, end: Int64) {
        try await onQueue {
            let (low, high) = try self.watermarks(TopicPartition(topic: topic, partition: partition))
            return (low, high)
        }
    }

    /// The offset the next message written to `partition` of `topic` will get (its high watermark).
    public func endOffset(of topic: String, partition: Int32) async throws -> Int64 {
        try await onQueue { try self.watermarks(TopicPartition(topic: topic, partition: partition)).high }
    }

    /// Runs on `queue`: the first offset kept and the offset the next message will get.
    private func watermarks(_ partition: TopicPartition) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, 10_000)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "end offset of \(partition)") }
        return (low, high)
    }

    /// The partitions of `topic` (from the broker's metadata).
    public func partitions(of topic: String) async throws -> [Int32] {
        try await onQueue {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            guard let topicHandle = rd_kafka_topic_new(self.handle, topic, nil) else {
                throw KafkaError(rd_kafka_last_error(), context: "topic \(topic)")
            }
            defer { rd_kafka_topic_destroy(topicHandle) }
            let err = rd_kafka_metadata(self.handle, 0, topicHandle, &metadata, 10_000)
            defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata, metadata.pointee.topic_cnt > 0 else {
                throw KafkaError(err == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC : err, context: "partitions of \(topic)")
            }
            let described = metadata.pointee.topics[0]
            guard described.err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(described.err, context: "partitions of \(topic)") }
            return (0..<Int(described.partition_cnt)).map { described.partitions[$0].id }.sorted()
        }
    }

    /// Stops reading and destroys the handle.
    public func close() async {
        guard closed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                rd_kafka_assign(self.handle, nil)
                rd_kafka_consumer_close(self.handle)
                rd_kafka_destroy(self.handle)
                continuation.resume()
            }
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard !self.closed.withLock({ $0 }) else {
                    continuation.resume(throwing: KafkaError.closed)
                    return
                }
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
