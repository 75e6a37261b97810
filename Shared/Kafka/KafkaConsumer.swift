import CRdKafka
import Foundation
import Logging
import Synchronization

/// A consumer-group member read as an `AsyncSequence` of messages, one at a time, with at-least-once
/// offsets: nothing is committed until the caller stores the message's offset (after its own SQLite
/// transaction has committed); librdkafka's auto-committer then commits stored offsets.
///
/// Every blocking librdkafka call runs on this consumer's own serial queue, never on the cooperative pool.
/// Static membership (`group.instance.id`) lets a restarted instance rejoin at once.
public final class KafkaConsumer: AsyncSequence, Sendable {
    public typealias Element = KafkaMessage

    public struct Options: Sendable {
        public var groupId: String
        /// Stable per instance (static membership); nil for a dynamic member.
        public var instanceId: String?
        public var topics: [String]
        /// When set, pause fetching while the assigned partitions have nothing new, checking the
        /// partitions' end offsets every `idlePause`. For brokers that answer empty fetches at once
        /// (the local test broker); leave nil on a real Kafka cluster, whose fetches wait for data.
        public var idlePause: Duration?
        /// `cooperative-sticky` by default (only moved partitions are revoked); `range` where topics must
        /// be co-partitioned (partition p of each topic to the same member).
        public var assignmentStrategy: String

        public init(
            groupId: String, instanceId: String?, topics: [String], idlePause: Duration? = nil,
            assignmentStrategy: String = "cooperative-sticky"
        ) {
            self.groupId = groupId
            self.instanceId = instanceId
            self.topics = topics
            self.idlePause = idlePause
            self.assignmentStrategy = assignmentStrategy
        }
    }

    /// Empty 100 ms polls before an idle pause. After a resume librdkafka takes up to about half a
    /// second (its fetch back-off) to fetch again, so pausing sooner would pause before the data came.
    static let emptyPollsBeforePause = 10

    private let client: ClientHandle
    var handle: OpaquePointer { client.pointer }
    private let queue: DispatchQueue
    /// For calls that must not wait behind the poll loop (lag); `close` drains it before destroying.
    private let sideQueue: DispatchQueue
    private let stopRequested = Mutex<Bool>(false)
    private let closed = Mutex<Bool>(false)
    /// What the member keeps back from its caller: held partitions, their parked messages, and messages
    /// to hand out first (`KafkaConsumer+Hold.swift`).
    let holding = Mutex<Holding>(Holding())
    /// What librdkafka's rebalance callback reaches (through the handle's opaque); it outlives the handle.
    let rebalance: RebalanceCallbacks
    private let options: Options
    let logger: Logger

    public init(configuration: KafkaConfiguration, options: Options, logger: Logger) throws {
        var configuration = configuration
        configuration["group.id"] = options.groupId
        if let instanceId = options.instanceId { configuration["group.instance.id"] = instanceId }
        configuration["enable.auto.commit"] = "true"
        configuration["enable.auto.offset.store"] = "false"
        configuration["partition.assignment.strategy"] = options.assignmentStrategy
        for (key, value) in [
            "auto.offset.reset": "earliest",
            "auto.commit.interval.ms": "1000",
            "session.timeout.ms": "10000",
            "queued.min.messages": "1000",
            "queued.max.messages.kbytes": "16384",
        ] where configuration[key] == nil {
            configuration[key] = value
        }
        configuration.allowLargeFetchResponses()
        let conf = try configuration.makeConf(for: RD_KAFKA_CONSUMER)
        let rebalance = RebalanceCallbacks(logger: logger, groupId: options.groupId)
        rebalance.install(on: conf)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration("cannot create Kafka consumer: \(String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        rd_kafka_poll_set_consumer(handle)
        let list = rd_kafka_topic_partition_list_new(Int32(options.topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in options.topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(handle)
            throw KafkaError(err, context: "subscribe to \(options.topics)")
        }
        self.client = ClientHandle(pointer: handle)
        self.rebalance = rebalance
        self.options = options
        self.logger = logger
        self.queue = DispatchQueue(label: "minsheng.kafka.consumer.\(options.groupId)")
        self.sideQueue = DispatchQueue(label: "minsheng.kafka.consumer.\(options.groupId).side")
        rebalance.attach(self)
    }

    public var groupId: String { options.groupId }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer

        public mutating func next() async throws -> KafkaMessage? {
            try await consumer.nextMessage()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: self) }

    /// Waits for the next message, then takes whatever else librdkafka already holds, up to
    /// `maxMessages`, without waiting for more: under load batches grow by themselves, while a lone
    /// message goes through at once. Nil when the consumer was stopped.
    public func nextBatch(maxMessages: Int) async throws -> [KafkaMessage]? {
        if Task.isCancelled || stopRequested.withLock({ $0 }) { return nil }
        let first = holding.withLock { $0.takeReady(upTo: maxMessages) }
        if !first.isEmpty { return first }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    continuation.resume(with: Result {
                        guard let message = try self.pollUntilMessageOrStop() else { return nil }
                        var batch = [message]
                        while batch.count < maxMessages, !self.closed.withLock({ $0 }),
                              let raw = rd_kafka_consumer_poll(self.handle, 0) {
                            defer { rd_kafka_message_destroy(raw) }
                            if raw.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                                if let message = self.admit(raw) { batch.append(message) }
                            } else if let error = self.consumeError(raw.pointee.err) {
                                throw error
                            }
                        }
                        return batch
                    })
                }
            }
        } onCancel: {
            stopRequested.withLock { $0 = true }
        }
    }

    /// Holds consumption back for `duration` (while the caller cannot process, e.g. its database
    /// fails): pauses the assignment and keeps serving the group, so the member is not thrown out for
    /// not polling; fetching resumes after the last message handed out. A message that still arrives is
    /// kept for the next batch. Returns early when the consumer is stopped.
    public func holdBack(for duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                defer { continuation.resume() }
                guard !self.closed.withLock({ $0 }), let assigned = self.activeAssignment() else { return }
                defer { rd_kafka_topic_partition_list_destroy(assigned) }
                rd_kafka_pause_partitions(self.handle, assigned)
                defer { rd_kafka_resume_partitions(self.handle, self.stillActive(assigned)) }
                while ContinuousClock.now < deadline, !self.stopRequested.withLock({ $0 }) {
                    if let raw = rd_kafka_consumer_poll(self.handle, 100) {
                        defer { rd_kafka_message_destroy(raw) }
                        if raw.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR, let message = self.admit(raw) {
                            self.holding.withLock { $0.ready.append(message) }
                        }
                    }
                }
            }
        }
    }

    private func nextMessage() async throws -> KafkaMessage? {
        if Task.isCancelled || stopRequested.withLock({ $0 }) { return nil }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    continuation.resume(with: Result { try self.pollUntilMessageOrStop() })
                }
            }
        } onCancel: {
            stopRequested.withLock { $0 = true }
        }
    }

    /// Runs on `queue`.
    private func pollUntilMessageOrStop() throws -> KafkaMessage? {
        var emptyPolls = 0
        while !stopRequested.withLock({ $0 }) {
            guard !closed.withLock({ $0 }) else { return nil }
            if let message = readyOrResumeReleased() { return message }
            guard let raw = rd_kafka_consumer_poll(handle, 100) else {
                emptyPolls += 1
                if let pause = options.idlePause, emptyPolls >= Self.emptyPollsBeforePause {
                    if let message = try waitWhileIdle(checkEvery: pause) { return message }
                    emptyPolls = 0
                }
                continue
            }
            defer { rd_kafka_message_destroy(raw) }
            let err = raw.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                if let message = admit(raw) { return message }
                continue
            }
            if let error = consumeError(err) { throw error }
        }
        return nil
    }

    /// A fatal consume error to throw; other errors (end of partition, transport) are logged and passed.
    private func consumeError(_ err: rd_kafka_resp_err_t) -> KafkaError? {
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        let error = KafkaError(err, context: "consume")
        if error.isFatal { return error }
        logger.warning("Kafka consumer error", metadata: ["kafka.error": "\(error)", "kafka.group": "\(options.groupId)"])
        return nil
    }

    /// Pauses the assignment and polls only for group events until a partition has something new,
    /// the assignment changes, or a stop is requested. Runs on `queue`.
    private func waitWhileIdle(checkEvery pause: Duration) throws -> KafkaMessage? {
        guard let assigned = activeAssignment() else { return nil }
        defer { rd_kafka_topic_partition_list_destroy(assigned) }
        guard assigned.pointee.cnt > 0 else { return nil }
        rd_kafka_pause_partitions(handle, assigned)
        defer { rd_kafka_resume_partitions(handle, stillActive(assigned)) }
        let positions = rd_kafka_topic_partition_list_copy(assigned)!
        defer { rd_kafka_topic_partition_list_destroy(positions) }
        let pauseMicroseconds = UInt32(Swift.max(1, pause.components.seconds * 1_000_000
            + pause.components.attoseconds / 1_000_000_000_000))
        while !stopRequested.withLock({ $0 }) {
            // Serve rebalances and other group events; a paused partition yields no messages (a held one
            // may, and is parked).
            if let raw = rd_kafka_consumer_poll(handle, 0) {
                defer { rd_kafka_message_destroy(raw) }
                if raw.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR, let message = admit(raw) { return message }
            }
            if holding.withLock({ $0.hasWorkForPollThread }) { return nil }
            if assignmentChanged(from: assigned) || hasUnreadMessages(assigned, positions) {
                logger.trace("Resuming fetch", metadata: ["kafka.group": "\(options.groupId)"])
                return nil
            }
            usleep(pauseMicroseconds)
        }
        return nil
    }

    /// The assigned partitions not held (those the consumer may pause and resume by itself).
    private func activeAssignment() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? {
        guard let assigned = currentAssignment() else { return nil }
        let held = holding.withLock { $0.held }
        guard !held.isEmpty else { return assigned }
        defer { rd_kafka_topic_partition_list_destroy(assigned) }
        return Self.list(TopicPartition.all(in: assigned).filter { !held.contains($0) })
    }

    /// `list` less what was held meanwhile (to resume only what may run); the returned list is owned by
    /// the topic-partition list `list` itself, changed in place.
    private func stillActive(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let held = holding.withLock { $0.held }
        for partition in held { rd_kafka_topic_partition_list_del(list, partition.topic, partition.partition) }
        return list
    }

    /// A new librdkafka list of `partitions`; the caller destroys it.
    static func list(_ partitions: some Sequence<TopicPartition>) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let array = Array(partitions)
        let list = rd_kafka_topic_partition_list_new(Int32(Swift.max(1, array.count)))!
        for partition in array { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
        return list
    }

    private func currentAssignment() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return list
    }

    private func assignmentChanged(from assigned: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Bool {
        guard let now = currentAssignment() else { return true }
        defer { rd_kafka_topic_partition_list_destroy(now) }
        return Self.partitionSet(now) != Self.partitionSet(assigned)
    }

    private func hasUnreadMessages(
        _ assigned: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        _ positions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) -> Bool {
        rd_kafka_position(handle, positions)
        for index in 0..<Int(positions.pointee.cnt) {
            let element = positions.pointee.elems[index]
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(handle, element.topic, element.partition, &low, &high, 2000)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return true }
            var position = element.offset
            logger.trace("Idle check", metadata: ["kafka.partition": "\(String(cString: element.topic))/\(element.partition)", "position": "\(position)", "high": "\(high)"])
            if position < 0 { position = committedOffset(topic: element.topic, partition: element.partition) ?? low }
            if high > position { return true }
        }
        return false
    }

    private func committedOffset(topic: UnsafePointer<CChar>, partition: Int32) -> Int64? {
        let list = rd_kafka_topic_partition_list_new(1)!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, topic, partition)
        guard rd_kafka_committed(handle, list, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let offset = list.pointee.elems[0].offset
        return offset >= 0 ? offset : nil
    }

    private static func partitionSet(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Set<String> {
        var result = Set<String>()
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            result.insert("\(String(cString: element.topic))/\(element.partition)")
        }
        return result
    }

    /// Marks `message` processed: its offset + 1 will be committed by the auto-committer.
    /// Call only after the local transaction that recorded the message has committed.
    public func storeOffset(of message: KafkaMessage) throws {
        let list = rd_kafka_topic_partition_list_new(1)!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, message.topic, message.partition)!.pointee.offset = message.offset + 1
        let err = rd_kafka_offsets_store(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // __STATE: the partition was revoked meanwhile; its new owner will see the message again and
            // the processed-message table makes that a no-op.
            throw KafkaError(err, context: "store offset \(message.coordinates)")
        }
    }

    /// Marks every message of `messages` processed: for each partition the highest offset + 1 is stored.
    /// Returns the partitions whose offset could not be stored (revoked meanwhile: their next owner
    /// sees the messages again and the processed-message table makes that a no-op).
    @discardableResult
    public func storeOffsets(of messages: some Collection<KafkaMessage>) -> [String] {
        var next: [String: (topic: String, partition: Int32, offset: Int64)] = [:]
        for message in messages {
            let key = "\(message.topic)/\(message.partition)"
            if (next[key]?.offset ?? -1) < message.offset + 1 {
                next[key] = (message.topic, message.partition, message.offset + 1)
            }
        }
        guard !next.isEmpty else { return [] }
        let list = rd_kafka_topic_partition_list_new(Int32(next.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in next.values {
            rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)!.pointee.offset = entry.offset
        }
        let err = rd_kafka_offsets_store(handle, list)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
        var failed: [String] = []
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = list.pointee.elems[index]
            failed.append("\(String(cString: element.topic))/\(element.partition)")
        }
        return failed.isEmpty ? next.keys.sorted() : failed
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() async throws {
        let err = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: rd_kafka_commit(self.handle, nil, 0)) }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw KafkaError(err, context: "commit")
        }
    }

    /// Lag per assigned partition: end offset minus committed offset.
    public func lag() async -> [PartitionLag] {
        await withCheckedContinuation { continuation in
            sideQueue.async {
                guard !self.closed.withLock({ $0 }), let assigned = self.currentAssignment() else {
                    continuation.resume(returning: [])
                    return
                }
                defer { rd_kafka_topic_partition_list_destroy(assigned) }
                let positions = rd_kafka_topic_partition_list_copy(assigned)!
                defer { rd_kafka_topic_partition_list_destroy(positions) }
                rd_kafka_position(self.handle, positions)
                rd_kafka_committed(self.handle, assigned, 2000)
                let held = self.holding.withLock { $0.held }
                var result: [PartitionLag] = []
                for index in 0..<Int(assigned.pointee.cnt) {
                    let element = assigned.pointee.elems[index]
                    var low: Int64 = 0
                    var high: Int64 = 0
                    guard rd_kafka_query_watermark_offsets(
                        self.handle, element.topic, element.partition, &low, &high, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR
                    else { continue }
                    let committed = element.offset >= 0 ? element.offset : low
                    let partition = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
                    let position = positions.pointee.elems[index].offset
                    result.append(PartitionLag(
                        topic: partition.topic, partition: partition.partition,
                        committed: element.offset >= 0 ? element.offset : nil, end: high,
                        lag: Swift.max(0, high - committed),
                        position: position >= 0 ? position : nil, held: held.contains(partition)))
                }
                continuation.resume(returning: result)
            }
        }
    }

    /// Stops iteration, commits stored offsets, leaves the group (a static member stays registered
    /// until its session times out) and destroys the handle.
    public func close() async {
        stopRequested.withLock { $0 = true }
        let logger = logger
        await withCheckedContinuation { continuation in
            queue.async {
                guard !self.closed.withLock({ $0 }) else {
                    continuation.resume()
                    return
                }
                self.closed.withLock { $0 = true }
                self.sideQueue.sync {}  // let a lag query in flight finish with the handle
                let commitErr = rd_kafka_commit(self.handle, nil, 0)
                if commitErr != RD_KAFKA_RESP_ERR_NO_ERROR && commitErr != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    logger.warning("Final offset commit failed", metadata: ["kafka.error": "\(KafkaError(commitErr, context: "commit"))"])
                }
                let err = rd_kafka_consumer_close(self.handle)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.warning("Kafka consumer close", metadata: ["kafka.error": "\(KafkaError(err, context: "close"))"])
                }
                rd_kafka_destroy(self.handle)
                continuation.resume()
            }
        }
    }
}

/// How far a consumer group is behind on one partition.
public struct PartitionLag: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// Nil when the group has committed nothing yet.
    public var committed: Int64?
    public var end: Int64
    public var lag: Int64
    /// The offset this member hands out next (librdkafka's position); nil when it has handed out
    /// nothing of the partition since it was assigned.
    public var position: Int64?
    /// Kept paused by the member while the partition's state is restored.
    public var held: Bool

    public init(topic: String, partition: Int32, committed: Int64?, end: Int64, lag: Int64, position: Int64? = nil, held: Bool = false) {
        self.topic = topic
        self.partition = partition
        self.committed = committed
        self.end = end
        self.lag = lag
        self.position = position
        self.held = held
    }

    /// `topic/partition committed→end (position p, held)`, for logs.
    public var summary: String {
        "\(topic)/\(partition) committed \(committed.map(String.init) ?? "none") end \(end) position "
            + (position.map(String.init) ?? "none") + (held ? " held" : "")
    }
}
