import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import ServiceLifecycle
import Synchronization

/// Reads a consumer group's messages in batches and applies each batch in one SQLite transaction: every
/// message in its own savepoint, with its processed-message row and outbox rows; only after the commit
/// are the offsets stored. A poison message is dead-lettered to `<service>.dlq` (through the outbox, in
/// the same transaction) without rolling back its neighbours; a message that fails otherwise ends the
/// batch there and is retried alone, then dead-lettered. When the database itself is in trouble (disk
/// full, read-only), nothing is dead-lettered: consumption is held back, `/readyz` says why, and the
/// same messages are applied once the database works again.
public final class ConsumerService: Service, Sendable {
    private let consumer: KafkaConsumer
    private let handler: any MessageHandler
    private let database: any DatabaseWriter
    private let outbox: OutboxPublisher
    private let service: ServiceName
    private let logger: Logger
    private let retryDelays: [Duration]
    private let readiness: Readiness?
    private let progress: ConsumerProgress?
    private let maxBatch: Int
    private let metrics: ConsumerMetrics
    /// Offsets of committed batches whose outbox rows are not all in Kafka yet, oldest first.
    private let unconfirmed = Mutex<[(messages: [KafkaMessage], throughOutboxId: Int64)]>([])
    /// The state partitions this instance owns, and the work of taking them over and giving them up.
    public let ownership: PartitionOwnership

    public init(
        consumer: KafkaConsumer, handler: any MessageHandler, database: any DatabaseWriter, outbox: OutboxPublisher,
        service: ServiceName, logger: Logger, readiness: Readiness? = nil, progress: ConsumerProgress? = nil,
        maxBatch: Int = 500, retryDelays: [Duration] = [.milliseconds(100), .milliseconds(500), .seconds(2)],
        state: (any PartitionedState)? = nil, stateReader: KafkaPartitionReader? = nil
    ) {
        self.consumer = consumer
        self.handler = handler
        self.database = database
        self.outbox = outbox
        self.service = service
        self.logger = logger
        self.readiness = readiness
        self.progress = progress
        self.maxBatch = max(1, maxBatch)
        self.retryDelays = retryDelays
        self.metrics = ConsumerMetrics(service: service)
        let flush = Mutex<(@Sendable (Duration) -> Void)?>(nil)
        self.ownership = PartitionOwnership(
            state: state, database: database, outbox: outbox, reader: stateReader, readiness: readiness, logger: logger,
            flushOffsets: { limit in flush.withLock { $0 }?(limit) })
        flush.withLock { $0 = { [weak self] limit in self?.storeWhenConfirmedBlocking(within: limit) } }
        outbox.onConfirmed { [weak self] through in self?.storeConfirmed(through: through) }
        consumer.setRebalanceListener(ownership)
    }

    public func run() async throws {
        readiness?.set("consumer", .ready)
        readiness?.set("database", .ready)
        defer { readiness?.set("consumer", .failing("stopped")) }
        let ownership = ownership
        let restorer = Task { try await ownership.run() }
        defer {
            ownership.finish()
            restorer.cancel()
        }
        do {
            // Waiting for messages ends at graceful shutdown; a batch in hand is finished first.
            while let batch = try await cancelWhenGracefulShutdown({ try await self.consumer.nextBatch(maxMessages: self.maxBatch) }) {
                guard try await process(batch) else { break }
                if Task.isShuttingDownGracefully { break }
            }
        } catch {
            await storeWhenConfirmed(within: .seconds(5))
            await consumer.close()
            throw error
        }
        await storeWhenConfirmed(within: .seconds(10))
        await consumer.close()
    }

    enum Outcome: Equatable {
        case processed, duplicate
        case deadLettered(reason: String, kind: DeadLetterKind)

        var label: String {
            switch self {
            case .processed: "processed"
            case .duplicate: "duplicate"
            case .deadLettered: "dead_lettered"
            }
        }
    }

    enum DeadLetterKind: String { case unprocessable, failed }

    /// Applies `batch` in order and stores its offsets. Returns false when the service is stopping
    /// before the batch was applied (its offsets are not stored; the messages come again).
    @discardableResult
    func process(_ batch: [KafkaMessage]) async throws -> Bool {
        var remaining = batch[...]
        while let first = remaining.first {
            guard let applied = try await untilDatabaseWorks({ try await self.applyInOneTransaction(remaining) }) else {
                return false
            }
            let done = remaining.prefix(applied.outcomes.count)
            finish(done, outcomes: applied.outcomes, throughOutboxId: applied.throughOutboxId)
            remaining = remaining.dropFirst(done.count)
            if applied.interrupted {
                // The message at the head failed with an error that may pass: alone, with retries.
                let message = remaining.first ?? first
                guard let outcome = try await untilDatabaseWorks({ try await self.applyAloneWithRetries(message) }) else {
                    return false
                }
                let through = try await database.read { db in try Outbox.lastId(db) }
                finish([message], outcomes: [outcome], throughOutboxId: through)
                remaining = remaining.dropFirst()
            }
        }
        return true
    }

    private struct Applied {
        var outcomes: [Outcome]
        /// The message after the last outcome failed and must be retried on its own.
        var interrupted: Bool
        /// The highest outbox row id once the transaction committed.
        var throughOutboxId: Int64 = 0
    }

    /// One write transaction for as many messages of `messages` as go through: it stops before the
    /// first one that fails with an error other than `UnprocessableMessage` (that one is rolled back
    /// to its savepoint, its predecessors commit).
    private func applyInOneTransaction(_ messages: ArraySlice<KafkaMessage>) async throws -> Applied {
        let started = ContinuousClock.now
        defer { metrics.transaction.recordInterval(since: started) }
        return try await database.write { db in
            var outcomes: [Outcome] = []
            let now = Date()
            for message in messages {
                let key = self.handler.idempotencyKey(for: message)
                let deadKey = Self.deadLetterKey(message)
                if try Self.alreadyProcessed(db, keys: [key, deadKey]) {
                    outcomes.append(.duplicate)
                    continue
                }
                let handleStarted = ContinuousClock.now
                do {
                    try db.inSavepoint {
                        try self.handler.handle(message, db: db, now: now)
                        try Self.markProcessed(db, key: key, message: message, now: now)
                        return .commit
                    }
                    self.metrics.processing(topic: message.topic).recordInterval(since: handleStarted)
                    outcomes.append(.processed)
                } catch let error as UnprocessableMessage {
                    let reason = error.description
                    try self.recordDeadLetter(message, reason: reason, attempts: 1, db: db, now: now)
                    outcomes.append(.deadLettered(reason: reason, kind: .unprocessable))
                } catch {
                    if error.isEnvironmentalDatabaseError || Task.isCancelled { throw error }
                    self.logger.info("Message failed in a batch; retrying it alone", metadata: [
                        "kafka.message": "\(message.coordinates)", "error": "\(error)",
                    ])
                    return Applied(outcomes: outcomes, interrupted: true, throughOutboxId: try Outbox.lastId(db))
                }
            }
            return Applied(outcomes: outcomes, interrupted: false, throughOutboxId: try Outbox.lastId(db))
        }
    }

    /// One message in its own transaction, retried after `retryDelays`; dead-lettered when it still
    /// fails (an environmental database error is thrown instead: see `untilDatabaseWorks`).
    private func applyAloneWithRetries(_ message: KafkaMessage) async throws -> Outcome {
        let key = handler.idempotencyKey(for: message)
        let deadKey = Self.deadLetterKey(message)
        var attempt = 0
        while true {
            do {
                return try await database.write { db in
                    let now = Date()
                    if try Self.alreadyProcessed(db, keys: [key, deadKey]) { return .duplicate }
                    try self.handler.handle(message, db: db, now: now)
                    try Self.markProcessed(db, key: key, message: message, now: now)
                    return .processed
                }
            } catch let error as UnprocessableMessage {
                return try await deadLetterAlone(message, reason: error.description, attempts: attempt + 1, kind: .unprocessable)
            } catch {
                if Task.isCancelled || error.isEnvironmentalDatabaseError { throw error }
                guard attempt < retryDelays.count else {
                    return try await deadLetterAlone(message, reason: "\(error)", attempts: attempt + 1, kind: .failed)
                }
                logger.info("Message failed; retrying", metadata: [
                    "kafka.message": "\(message.coordinates)", "attempt": "\(attempt + 1)", "error": "\(error)",
                ])
                try await Task.sleep(for: retryDelays[attempt])
                attempt += 1
            }
        }
    }

    private func deadLetterAlone(_ message: KafkaMessage, reason: String, attempts: Int, kind: DeadLetterKind) async throws -> Outcome {
        try await database.write { db in
            if try Self.alreadyProcessed(db, keys: [self.handler.idempotencyKey(for: message), Self.deadLetterKey(message)]) {
                return .duplicate
            }
            try self.recordDeadLetter(message, reason: reason, attempts: attempts, db: db, now: Date())
            return .deadLettered(reason: reason, kind: kind)
        }
    }

    /// Runs `body` until it does not fail for an environmental database reason. Meanwhile consumption is
    /// held back (the group keeps the member), `/readyz` reports the database failing, and the error is
    /// logged when it starts and every few minutes. Nil when the service stops meanwhile.
    private func untilDatabaseWorks<T>(_ body: () async throws -> T) async throws -> T? {
        var delay = Duration.seconds(1)
        var failingSince: ContinuousClock.Instant?
        var lastLogged: ContinuousClock.Instant?
        while true {
            do {
                let result = try await body()
                if let failingSince {
                    readiness?.set("database", .ready)
                    logger.notice("Database works again; consumption resumed", metadata: [
                        "held.seconds": "\(Int((ContinuousClock.now - failingSince).components.seconds))",
                    ])
                }
                return result
            } catch where error.isEnvironmentalDatabaseError && !Task.isCancelled {
                let now = ContinuousClock.now
                if failingSince == nil { failingSince = now }
                readiness?.set("database", .failing("\(error)"))
                if lastLogged.map({ now - $0 > .seconds(300) }) ?? true {
                    logger.error("Database failing; consumption held back until it works", metadata: ["error": "\(error)"])
                    lastLogged = now
                }
                metrics.databaseFailures.increment()
                await consumer.holdBack(for: delay)
                if Task.isShuttingDownGracefully || Task.isCancelled { return nil }
                delay = min(delay * 2, .seconds(30))
            }
        }
    }

    /// After a commit: counts, wakes the publisher and the handler's worker; the offsets are stored once
    /// everything the batch wrote to the outbox is in Kafka (`storeConfirmed`), so that whoever reads
    /// these partitions next, even on an empty disk, misses nothing the batch produced.
    private func finish(_ messages: some Collection<KafkaMessage>, outcomes: [Outcome], throughOutboxId: Int64) {
        guard !outcomes.isEmpty else { return }
        metrics.batchSize.record(outcomes.count)
        for (message, outcome) in zip(messages, outcomes) {
            metrics.messages(topic: message.topic, outcome: outcome.label).increment()
            let metadata: Logger.Metadata = [
                "kafka.message": "\(message.coordinates)", "event.id": "\(handler.eventId(of: message) ?? "-")",
            ]
            switch outcome {
            case .processed: logger.trace("Message processed", metadata: metadata)
            case .duplicate: logger.debug("Message already processed; skipped", metadata: metadata)
            case .deadLettered(let reason, let kind):
                metrics.deadLetters(kind).increment()
                logger.error("Message dead-lettered", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
            }
        }
        progress?.advanced(by: outcomes.count)
        unconfirmed.withLock { $0.append((Array(messages), throughOutboxId)) }
        outbox.wake()
        handler.didCommit()
        storeConfirmed(through: outbox.confirmedThrough)
    }

    /// Stores the offsets of the batches whose outbox rows are all confirmed, oldest first.
    func storeConfirmed(through: Int64) {
        let ready = unconfirmed.withLock { pending -> [KafkaMessage] in
            let count = pending.prefix { $0.throughOutboxId <= through }.count
            defer { pending.removeFirst(count) }
            return pending.prefix(count).flatMap(\.messages)
        }
        guard !ready.isEmpty else { return }
        let failed = consumer.storeOffsets(of: ready)
        if !failed.isEmpty {
            // Revoked meanwhile; the next owner sees the messages again and skips them.
            logger.info("Offsets not stored", metadata: ["kafka.partitions": "\(failed.joined(separator: ","))"])
        }
    }

    /// Waits, up to `limit`, until every committed batch's offsets are stored (on shutdown, and before
    /// partitions are handed over).
    func storeWhenConfirmed(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while unconfirmed.withLock({ !$0.isEmpty }), ContinuousClock.now < deadline {
            outbox.wake()
            storeConfirmed(through: outbox.confirmedThrough)
            // Called after the loop was cancelled too: a `Task.sleep` would return at once and spin.
            await pauseEvenIfCancelled(for: .milliseconds(20))
        }
        if unconfirmed.withLock({ !$0.isEmpty }) {
            logger.warning("Offsets left unstored: the outbox did not confirm in time; the messages come again")
        }
    }

    /// The same, blocking the calling thread (the consumer's poll thread, during a rebalance).
    func storeWhenConfirmedBlocking(within limit: Duration) {
        let deadline = ContinuousClock.now + limit
        while unconfirmed.withLock({ !$0.isEmpty }), ContinuousClock.now < deadline {
            outbox.wake()
            storeConfirmed(through: outbox.confirmedThrough)
            usleep(10_000)
        }
        if unconfirmed.withLock({ !$0.isEmpty }) {
            logger.warning("Offsets left unstored at a rebalance: the outbox did not confirm in time; the next owner processes them again")
        }
    }

    /// Batches committed whose offsets are not stored yet (for tests).
    var unconfirmedBatches: Int { unconfirmed.withLock { $0.count } }

    /// The dead letter goes out through the outbox in the caller's transaction. The message is not
    /// marked processed under its content key, so a replay of the dead letter (after a fix) is applied;
    /// only this very message (same place, same bytes) is remembered, so its redelivery is skipped.
    private func recordDeadLetter(_ message: KafkaMessage, reason: String, attempts: Int, db: Database, now: Date) throws {
        let letter = DeadLetter(
            eventId: handler.eventId(of: message), service: service.rawValue, topic: message.topic,
            partition: message.partition, offset: message.offset, key: message.keyString, reason: reason,
            attempts: attempts, original: message.value, failedAt: now)
        try Outbox.enqueue(
            db, topic: Topics.deadLetter(service: service.rawValue), key: message.keyString ?? message.coordinates,
            message: letter, now: now)
        try Self.markProcessed(db, key: Self.deadLetterKey(message), message: message, now: now)
    }

    /// Where and what a dead-lettered message was: a redelivery of it has the same; a replay (a new
    /// offset) or a new message at a reused offset (a recreated topic) has not.
    static func deadLetterKey(_ message: KafkaMessage) -> String {
        var bytes = message.key ?? []
        bytes.append(0)
        bytes += message.value
        return "dead:\(message.coordinates):\(String(FNV1a.hash(bytes), radix: 16))"
    }

    static func alreadyProcessed(_ db: Database, keys: [String]) throws -> Bool {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM processed_message WHERE message_key IN (?, ?)")
        return try Bool.fetchOne(statement, arguments: [keys[0], keys[1]]) ?? false
    }

    static func markProcessed(_ db: Database, key: String, message: KafkaMessage, now: Date) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO processed_message (message_key, coordinates, processed_at) VALUES (?, ?, ?)")
        try statement.execute(arguments: [key, message.coordinates, MessageCoding.formatTimestamp(now)])
    }
}

/// The consumer loop's metrics, made once.
final class ConsumerMetrics: Sendable {
    let service: ServiceName
    let transaction: Metrics.Timer
    let batchSize: Recorder
    let databaseFailures: Counter

    init(service: ServiceName) {
        self.service = service
        transaction = Metrics.Timer(label: "minsheng_sqlite_transaction_seconds", dimensions: [("service", service.rawValue)])
        batchSize = Recorder(label: "minsheng_batch_size", dimensions: [("service", service.rawValue)])
        databaseFailures = Counter(label: "minsheng_database_failures_total", dimensions: [("service", service.rawValue)])
    }

    /// The handles of labelled series, made once each: a metrics lookup per message costs as much as a
    /// small SQL statement.
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let counters = Mutex<[String: Counter]>([:])

    func processing(topic: String) -> Metrics.Timer {
        timers.withLock { timers in
            if let timer = timers[topic] { return timer }
            let timer = Metrics.Timer(label: "minsheng_message_processing_seconds", dimensions: [("service", service.rawValue), ("topic", topic)])
            timers[topic] = timer
            return timer
        }
    }

    func messages(topic: String, outcome: String) -> Counter {
        counters.withLock { counters in
            let key = topic + "\u{0}" + outcome
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "minsheng_messages_total", dimensions: [
                ("service", service.rawValue), ("topic", topic), ("outcome", outcome),
            ])
            counters[key] = counter
            return counter
        }
    }

    func deadLetters(_ kind: ConsumerService.DeadLetterKind) -> Counter {
        Counter(label: "minsheng_dead_letters_total", dimensions: [("service", service.rawValue), ("reason", kind.rawValue)])
    }
}

/// When the consumer loop last got something done, for the progress check (a consumer with lag that
/// processes nothing is stuck).
public final class ConsumerProgress: Sendable {
    private let state = Mutex<(processed: Int, at: ContinuousClock.Instant)>((0, .now))

    public init() {}

    func advanced(by count: Int) {
        state.withLock { $0 = ($0.processed + count, .now) }
    }

    /// Messages finished so far and when the last were.
    public var snapshot: (processed: Int, at: ContinuousClock.Instant) { state.withLock { $0 } }
}
