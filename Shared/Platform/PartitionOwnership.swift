import Foundation
import GRDB
import Logging
import MinshengKafka
import Synchronization

/// Which state partitions this instance owns, and the work of taking them over and giving them up.
///
/// - **Assigned**: the input partitions of a state partition are held (paused) and a restore is queued:
///   once this instance's own outbox has published what it wrote before (its own changelog records of
///   that partition, from an earlier ownership), the changelog partition is read from the local position
///   to its end into SQLite; then the partition is owned and its input released.
/// - **Revoked**: the partition stops being owned at once; before it is given up, the offsets of every
///   batch already committed are stored as soon as the outbox confirms them (bounded wait), so the next
///   owner starts after them. The local copy is kept: should the partition come back, only what others
///   wrote meanwhile is read.
/// - Without partitioned state only the revocation part applies.
public final class PartitionOwnership: RebalanceListener, Sendable {
    private let state: (any PartitionedState)?
    private let database: any DatabaseWriter
    private let outbox: OutboxPublisher
    private let reader: KafkaPartitionReader?
    private let readiness: Readiness?
    private let logger: Logger
    private let flushOffsets: @Sendable (Duration) -> Void
    private let ownership = Mutex<Ownership>(Ownership())
    /// The consumer whose partitions are held and released (known from its first assignment).
    private let consumer = Mutex<KafkaConsumer?>(nil)
    private let requests: AsyncStream<Void>
    private let requestContinuation: AsyncStream<Void>.Continuation
    /// Told on the poll thread which state partitions are being given up (see `beforeGivingUp`).
    private let givingUp = Mutex<[@Sendable (Set<Int32>) -> Void]>([])

    private struct Ownership {
        /// Restored and assigned.
        var owned: Set<Int32> = []
        /// Assigned and waiting for their restore, with the input partitions held for each.
        var restoring: [Int32: [TopicPartition]] = [:]
        /// Bumped on every revocation, so that a restore that raced one does not claim the partition.
        var epoch = 0
    }

    /// - Parameter flushOffsets: blocks until every committed batch's offsets are stored, or the
    ///   duration passes (the consumer loop's `storeWhenConfirmedBlocking`).
    init(
        state: (any PartitionedState)?, database: any DatabaseWriter, outbox: OutboxPublisher,
        reader: KafkaPartitionReader?, readiness: Readiness?, logger: Logger,
        flushOffsets: @escaping @Sendable (Duration) -> Void
    ) {
        self.state = state
        self.database = database
        self.outbox = outbox
        self.reader = reader
        self.readiness = readiness
        self.logger = logger
        self.flushOffsets = flushOffsets
        (requests, requestContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The state partitions this instance owns now (restored and assigned).
    public var owned: Set<Int32> { ownership.withLock { $0.owned } }

    /// Whether partition `partition` of the state is owned here now.
    public func owns(_ partition: Int32) -> Bool { ownership.withLock { $0.owned.contains(partition) } }

    /// Calls `body` on the consumer's poll thread whenever state partitions are revoked (lost or not): after
    /// they stopped being owned, before they are given up to the next owner. A worker that acts on owned partitions
    /// finishes there (bounded) what it started for them and waits until its outbox has published it, so
    /// that the next owner's restore sees it.
    public func beforeGivingUp(_ body: @escaping @Sendable (Set<Int32>) -> Void) {
        givingUp.withLock { $0.append(body) }
    }

    public func partitionsAssigned(_ partitions: [TopicPartition], consumer: KafkaConsumer) {
        self.consumer.withLock { $0 = consumer }
        guard let state else { return }
        let stateful = partitions.filter { state.inputTopics.contains($0.topic) }
        guard !stateful.isEmpty else { return }
        consumer.hold(stateful)
        ownership.withLock { ownership in
            for partition in stateful { ownership.restoring[partition.partition, default: []].append(partition) }
        }
        updateReadiness()
        requestContinuation.yield()
    }

    public func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool, consumer: KafkaConsumer) {
        if let state {
            let numbers = Set(partitions.filter { state.inputTopics.contains($0.topic) }.map(\.partition))
            ownership.withLock { ownership in
                ownership.owned.subtract(numbers)
                for number in numbers { ownership.restoring[number] = nil }
                ownership.epoch += 1
            }
            updateReadiness()
            // Lost ones too. The local broker (noida-db) has librdkafka report a member's revocation in an eager
            // rebalance as lost (its commit then fails with "generation id is not valid") although nobody else has
            // the partitions yet: skipping the workers here let the next owner restore a state without the
            // deliveries under way and send them again (NotificationScaleTests). On real Kafka a lost partition may
            // already be another's; finishing and publishing what was started still narrows the window.
            if !numbers.isEmpty { for body in givingUp.withLock({ $0 }) { body(numbers) } }
        }
        // A lost partition's offsets can no longer be committed by us; others are finished first.
        if !lost { flushOffsets(.seconds(10)) }
    }

    /// Restores what was assigned, until the service stops.
    func run() async throws {
        guard state != nil else { return }
        for await _ in requests {
            while let (number, held, epoch) = nextRestore() {
                do {
                    try await restore(number)
                    let claimed = ownership.withLock { ownership -> Bool in
                        guard ownership.epoch == epoch, ownership.restoring[number] != nil else { return false }
                        ownership.restoring[number] = nil
                        ownership.owned.insert(number)
                        return true
                    }
                    if claimed { consumer.withLock { $0 }?.release(held) }
                    updateReadiness()
                } catch {
                    if Task.isCancelled { return }
                    logger.error("Restoring a partition's state failed; trying again", metadata: [
                        "partition": "\(number)", "error": "\(error)",
                    ])
                    try? await Task.sleep(for: .seconds(2))
                }
            }
        }
    }

    private func nextRestore() -> (Int32, [TopicPartition], Int)? {
        ownership.withLock { ownership in
            guard let (number, held) = ownership.restoring.min(by: { $0.key < $1.key }) else { return nil }
            return (number, held, ownership.epoch)
        }
    }

    /// Reads changelog partition `number` from the local position to its end into SQLite.
    private func restore(_ number: Int32) async throws {
        guard let state, let reader else { return }
        // This instance's own changelog records of the partition (from an earlier ownership, or left in
        // the outbox by a crash) go out first, or the restore would read an older state.
        let written = try await database.read { db in try Outbox.lastId(db) }
        let deadline = ContinuousClock.now + .seconds(30)
        while outbox.confirmedThrough < written, ContinuousClock.now < deadline {
            outbox.wake()
            try await Task.sleep(for: .milliseconds(20))
        }
        let topic = state.changelogTopic
        let from = try await database.read { db in try Changelog.position(db, topic: topic, partition: number) }
        let started = ContinuousClock.now
        let records = Mutex(0)
        let database = database
        let next = try await reader.catchUp(topic: topic, partition: number, from: from) { batch in
            try database.write { db in
                for record in batch { try state.restore(record, db: db) }
                if let last = batch.last { try Changelog.setPosition(db, topic: topic, partition: number, next: last.offset + 1) }
            }
            records.withLock { $0 += batch.count }
        }
        try await database.write { db in try Changelog.setPosition(db, topic: topic, partition: number, next: next) }
        logger.info("Partition state restored", metadata: [
            "changelog": "\(topic)/\(number)", "from": "\(from)", "to": "\(next)", "records": "\(records.withLock { $0 })",
            "ms": "\((ContinuousClock.now - started).components.seconds * 1000 + (ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000)",
        ])
    }

    private func updateReadiness() {
        guard let readiness, state != nil else { return }
        let restoring = ownership.withLock { $0.restoring.keys.sorted() }
        readiness.set("state", restoring.isEmpty ? .ready
            : .degraded("restoring the state of partition(s) \(restoring.map(String.init).joined(separator: ", "))"))
    }

    func finish() { requestContinuation.finish() }
}
