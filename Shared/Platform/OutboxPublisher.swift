import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import ServiceLifecycle
import Synchronization

/// Streams the outbox to Kafka in `id` order (the order the transactions committed), with many messages
/// in flight, and marks rows sent in bulk as their delivery reports come in.
///
/// - A delivery that fails for a reason that may pass (broker down, timeout) holds new sends back until
///   everything in flight has reported, then sends again from the lowest failed row, so messages with
///   one key keep their order.
/// - A row that can never be delivered as it is (too large, topic unknown after creation, not
///   authorised) is **parked**: set aside with its error, counted, logged at error and shown on
///   `/readyz`, so it never blocks the rows behind it. Parked rows whose cause an operator can cure
///   (topic, ACL) are tried again every `parkedRetryInterval`.
/// - A fatal producer error (the idempotent producer's state lost) replaces the producer and sends
///   again what was not confirmed; consumers drop the repeats by their idempotency keys.
/// - A reply (`Outbox.enqueueReply`) waits until every row before it is confirmed: the rows behind it
///   wait too (order), for one round trip.
/// - A crash anywhere between the business commit and the broker's acknowledgement publishes on the
///   next start (at least once).
/// - **Changelog records are coalesced** (Kafka Streams' record cache does the same before its changelog):
///   on a changelog, and on any topic whose records each hold their key's whole state
///   (`Settings.wholeStateTopics`: also hotspot alerts), when one read of the table holds several records
///   of one key for one partition, only the last is sent. The
///   earlier ones *ride* on it: they stay unsent (the confirmation does not pass them) until its delivery
///   report comes, and take its outcome. A rider is never dropped without its successor in Kafka, so a
///   transaction's offsets are still stored only once the state it wrote is in the changelog.
public final class OutboxPublisher: Service, Sendable {
    public struct Settings: Sendable {
        /// Rows read per query.
        public var readBatch = 500
        /// Messages handed to the producer and not yet reported.
        public var maxInFlight = 5000
        /// How often the table is looked at when nobody wakes the publisher.
        public var idleInterval = Duration.seconds(1)
        /// From this age of the oldest unsent row, `/readyz` shows the outbox degraded.
        public var maxUnsentAge = Duration.seconds(30)
        public var parkedRetryInterval = Duration.seconds(600)
        /// Topics whose records are whole states of their key (changelogs, hotspot alerts): an earlier
        /// record of a key is not sent when a later one for the same partition is in the same read.
        public var wholeStateTopics: Set<String> = TopicCatalog.wholeStateTopics
        public init() {}
    }

    private let database: any DatabaseWriter
    private let producer: KafkaProducer
    private let logger: Logger
    private let settings: Settings
    private let readiness: Readiness?
    private let wakeUps = WakeSignal()
    private let deliveries = Mutex<Deliveries>(Deliveries())
    private let metrics: OutboxMetrics
    /// Every row with an id up to this one is in Kafka (or parked), and who wants to know when it moves.
    private let confirmation = Mutex<Confirmation>(Confirmation())

    private struct Confirmation {
        var through: Int64 = -1
        var observers: [@Sendable (Int64) -> Void] = []
    }

    /// Rows handed to the producer whose outcome is not yet written to the table (`inFlight`), and the
    /// delivery reports that came in for them. A row stays in flight until its report is recorded, so
    /// a reported but unrecorded row is never read and sent again as "unsent".
    private struct Deliveries {
        var inFlight = 0
        /// Each row's outcome; `rider` for a superseded changelog record, which takes its successor's.
        var reports: [(id: Int64, result: Result<DeliveryReport, KafkaError>, rider: Bool)] = []
        /// Rows whose report has not come yet.
        var awaitingReport: Int { inFlight - reports.count }
    }

    public init(
        database: any DatabaseWriter, producer: KafkaProducer, service: ServiceName, logger: Logger,
        settings: Settings = Settings(), readiness: Readiness? = nil
    ) {
        self.database = database
        self.producer = producer
        self.logger = logger
        self.settings = settings
        self.readiness = readiness
        self.metrics = OutboxMetrics(service: service)
    }

    /// Tells the publisher there is something new (call after a transaction that enqueued).
    public func wake() { wakeUps.signal() }

    /// Every row with an id up to this one has been published (or parked): what a transaction that
    /// wrote rows up to it produced is in Kafka. -1 before the publisher first looked.
    public var confirmedThrough: Int64 { confirmation.withLock { $0.through } }

    /// Calls `observer` (on the publisher's task) each time `confirmedThrough` moves.
    public func onConfirmed(_ observer: @escaping @Sendable (Int64) -> Void) {
        confirmation.withLock { $0.observers.append(observer) }
    }

    /// Finds how far the outbox is confirmed (the lowest unsent, unparked row) and tells the observers.
    private func updateConfirmation() async throws {
        let through = try await database.read { db -> Int64 in
            if let lowest = try Int64.fetchOne(db.cached("SELECT MIN(id) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL")) {
                return lowest - 1
            }
            return try Int64.fetchOne(db.cached("SELECT MAX(id) FROM outbox")) ?? 0
        }
        let observers = confirmation.withLock { state -> [@Sendable (Int64) -> Void] in
            guard through > state.through else { return [] }
            state.through = through
            return state.observers
        }
        for observer in observers { observer(through) }
    }

    public func run() async throws {
        var loop = Loop()
        readiness?.set("outbox", .ready)
        var troubleBackoff = Duration.milliseconds(500)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await step(&loop)
                troubleBackoff = .milliseconds(500)
            } catch {
                if Task.isCancelled { break }
                // The database in trouble (disk full, read-only): the rows wait; nothing is lost.
                readiness?.set("outbox", .failing("cannot read or update the outbox: \(error)"))
                logger.error("Outbox publisher failed; trying again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: troubleBackoff)
                troubleBackoff = min(troubleBackoff * 2, .seconds(10))
                loop.nextHousekeeping = .now  // readiness is re-evaluated on the next good step
            }
        }
        await drain(&loop)
    }

    /// One turn of the loop: record reports, then send what is next, or wait.
    private func step(_ loop: inout Loop) async throws {
        let now = ContinuousClock.now
        try await recordDeliveries(&loop)
        if loop.fatal {
            try await recoverProducer(&loop)
            return
        }
        if now >= loop.nextHousekeeping {
            try await housekeeping(&loop)
            try await updateConfirmation()
            loop.nextHousekeeping = now + .seconds(5)
        }
        let inFlight = deliveries.withLock { $0.inFlight }
        if let retryFrom = loop.retryFrom {
            // Send again from the lowest failed row once everything sent after it has reported.
            if inFlight > 0 {
                await wakeUps.wait(timeout: .milliseconds(100))
                return
            }
            try? await Task.sleep(for: loop.backoff)
            loop.backoff = min(loop.backoff * 2, .seconds(10))
            loop.cursor = retryFrom
            loop.retryFrom = nil
        }
        if inFlight == 0 { loop.cursor = 0 }  // nothing out: every unsent row is really unsent
        let room = settings.maxInFlight - inFlight
        let sent = room > 0 ? try await sendNext(upTo: min(room, settings.readBatch), loop: &loop) : 0
        if sent == 0 {
            // Nothing new (or no room, or the producer refused): wait for a wake-up, a report, or
            // the idle interval (rows written by another process, rows left by a crash).
            await wakeUps.wait(timeout: inFlight > 0 ? .milliseconds(50) : settings.idleInterval)
        }
    }

    /// The publisher loop's own state.
    private struct Loop {
        /// The next row id to read.
        var cursor: Int64 = 0
        /// The lowest row whose delivery failed for a reason that may pass.
        var retryFrom: Int64?
        var backoff = Duration.milliseconds(200)
        var fatal = false
        var nextHousekeeping = ContinuousClock.now
        var lastParkedRetry = ContinuousClock.now
    }

    /// Reads up to `limit` unsent rows from the cursor and hands them to the producer. Returns how many
    /// were handed over.
    private func sendNext(upTo limit: Int, loop: inout Loop) async throws -> Int {
        let cursor = loop.cursor
        let rows = try await database.read { db in
            try Row.fetchAll(db.cached("""
                SELECT id, topic, message_key, payload, target_partition, is_reply FROM outbox
                WHERE sent_at IS NULL AND parked_at IS NULL AND id >= ? ORDER BY id LIMIT ?
                """), arguments: [cursor, limit])
        }
        // A reply goes out once everything written before it is in Kafka; until then it and the rows
        // behind it wait (the next delivery report wakes the loop).
        let confirmed = confirmedThrough
        let sendable = rows.prefix { !($0["is_reply"] as Bool && confirmed < ($0["id"] as Int64) - 1) }
        var riders = Self.riders(in: sendable, wholeStateTopics: settings.wholeStateTopics)
        var handedOver = 0
        var toPark: [(id: Int64, error: KafkaError)] = []
        for row in sendable {
            let id: Int64 = row["id"]
            // Superseded by a later record of its key in this read: it rides on that one.
            if riders.superseded.contains(id) { continue }
            let message = OutgoingMessage(
                topic: row["topic"], key: row["message_key"] as String, value: Array(row["payload"] as Data),
                partition: row["target_partition"])
            let ridingOnThis = riders.bySuccessor[id] ?? []
            deliveries.withLock { $0.inFlight += 1 + ridingOnThis.count }
            let refusal = producer.enqueue(message) { [self] result in
                deliveries.withLock { deliveries in
                    deliveries.reports.append((id, result, false))
                    for rider in ridingOnThis { deliveries.reports.append((rider, result, true)) }
                }
                wakeUps.signal()
            }
            guard let refusal else {
                handedOver += 1
                loop.cursor = id + 1
                riders.bySuccessor[id] = nil
                continue
            }
            deliveries.withLock { $0.inFlight -= 1 + ridingOnThis.count }
            if refusal.failsForGood {
                toPark.append((id, refusal))
                loop.cursor = id + 1
                continue
            }
            // Queue full, closed or fatal: stop here; this row is read again later, in order.
            if refusal.isFatal { loop.fatal = true }
            if !refusal.isRetriable && !refusal.isFatal {
                logger.warning("Outbox send refused; will retry", metadata: ["outbox.id": "\(id)", "kafka.error": "\(refusal)"])
            }
            break
        }
        // Riders whose successor was not handed over (parked, refused, or behind the stop) are sent again
        // in order, on their own or on a later successor, once everything in flight has reported.
        if let stranded = riders.bySuccessor.values.joined().min() {
            loop.retryFrom = min(loop.retryFrom ?? stranded, stranded)
        }
        let coalesced = riders.superseded.count - riders.bySuccessor.values.reduce(0) { $0 + $1.count }
        if coalesced > 0 { metrics.coalesced.increment(by: coalesced) }
        if !toPark.isEmpty { try await park(toPark) }
        return handedOver
    }

    /// The records of `rows` superseded by a later record of the same key for the same partition of a
    /// whole-state topic, by the id of the record they ride on (the last of their key).
    static func riders(in rows: ArraySlice<Row>, wholeStateTopics: Set<String>)
        -> (superseded: Set<Int64>, bySuccessor: [Int64: [Int64]])
    {
        var last: [RecordKey: Int64] = [:]
        var earlier: [RecordKey: [Int64]] = [:]
        for row in rows {
            let topic: String = row["topic"]
            guard wholeStateTopics.contains(topic) else { continue }
            let key = RecordKey(topic: topic, key: row["message_key"], partition: row["target_partition"])
            if let previous = last[key] { earlier[key, default: []].append(previous) }
            last[key] = row["id"]
        }
        var bySuccessor: [Int64: [Int64]] = [:]
        for (key, ids) in earlier { bySuccessor[last[key]!] = ids }
        return (Set(earlier.values.joined()), bySuccessor)
    }

    /// Writes the delivery reports that came in: sent rows in one transaction, parked rows, and where
    /// to send again from.
    private func recordDeliveries(_ loop: inout Loop) async throws {
        let reports = deliveries.withLock { deliveries in
            defer { deliveries.reports.removeAll(keepingCapacity: true) }
            return deliveries.reports
        }
        guard !reports.isEmpty else { return }
        defer { deliveries.withLock { $0.inFlight -= reports.count } }
        var sent: [(Int64, DeliveryReport)] = []
        var failed: [(Int64, KafkaError)] = []
        var toPark: [(id: Int64, error: KafkaError)] = []
        for (id, result, rider) in reports {
            switch result {
            case .success(let report): sent.append((id, report))
            // A rider is not what failed: it is sent again, on its own now that its successor is parked.
            case .failure(let error) where error.failsForGood && !rider: toPark.append((id, error))
            case .failure(let error):
                if error.isFatal { loop.fatal = true }
                failed.append((id, error))
                loop.retryFrom = min(loop.retryFrom ?? id, id)
            }
        }
        let now = MessageCoding.formatTimestamp(Date())
        try await database.write { [sent, failed] db in
            let markSent = try db.cachedStatement(sql: """
                UPDATE outbox SET sent_at = ?, kafka_partition = ?, kafka_offset = ?, attempts = attempts + 1 WHERE id = ?
                """)
            for (id, report) in sent {
                try markSent.execute(arguments: [now, report.partition, report.offset, id])
            }
            let markFailed = try db.cachedStatement(
                sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?")
            for (id, error) in failed {
                try markFailed.execute(arguments: [error.message, id])
            }
        }
        try await updateConfirmation()
        metrics.published.increment(by: reports.lazy.filter { !$0.rider && (try? $0.result.get()) != nil }.count)
        if !sent.isEmpty { loop.backoff = .milliseconds(200) }
        if !failed.isEmpty {
            metrics.failures.increment(by: failed.count)
            logger.warning("Outbox deliveries failed; sending again in order", metadata: [
                "outbox.failed": "\(failed.count)", "kafka.error": "\(failed[0].1)",
            ])
        }
        if !toPark.isEmpty { try await park(toPark) }
    }

    /// Sets rows aside that can never be delivered as they are.
    private func park(_ rows: [(id: Int64, error: KafkaError)]) async throws {
        let now = MessageCoding.formatTimestamp(Date())
        let topics = try await database.write { db -> [String] in
            var topics: [String] = []
            for (id, error) in rows {
                try db.execute(sql: """
                    UPDATE outbox SET parked_at = ?, park_curable = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?
                    """, arguments: [now, error.curableByOperator, error.message, id])
                topics.append(try String.fetchOne(db, sql: "SELECT topic FROM outbox WHERE id = ?", arguments: [id]) ?? "?")
            }
            return topics
        }
        for ((id, error), topic) in zip(rows, topics) {
            metrics.parked(reason: error.codeName).increment()
            logger.error("Outbox message parked: it cannot be delivered as it is", metadata: [
                "outbox.id": "\(id)", "kafka.topic": "\(topic)", "kafka.error": "\(error)",
                "retried": "\(error.curableByOperator ? "every \(settings.parkedRetryInterval.components.seconds) s" : "never")",
            ])
        }
        try await updateConfirmation()
    }

    private func recoverProducer(_ loop: inout Loop) async throws {
        // Let what was in flight on the failed producer report (it fails fast), then replace it.
        for _ in 0..<50 where deliveries.withLock({ $0.awaitingReport }) > 0 {
            await wakeUps.wait(timeout: .milliseconds(100))
            try await recordDeliveries(&loop)
        }
        if await producer.recover() {
            loop.fatal = false
            loop.retryFrom = nil
            loop.cursor = 0
            readiness?.set("outbox", .ready)
        } else {
            readiness?.set("outbox", .failing("the Kafka producer failed fatally and could not be replaced"))
            try? await Task.sleep(for: loop.backoff)
            loop.backoff = min(loop.backoff * 2, .seconds(10))
        }
    }

    /// Backlog figures for metrics and `/readyz`, another try for curable parked rows. (Sent rows are
    /// pruned by the `RetentionSweeper`.)
    private func housekeeping(_ loop: inout Loop) async throws {
        let now = Date()
        let backlog = try await database.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL
                """)
            let parked = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE parked_at IS NOT NULL") ?? 0
            return (pending: (row?["pending"] as Int?) ?? 0, oldest: (row?["oldest"] as String?).flatMap(MessageCoding.parseTimestamp),
                    parked: parked)
        }
        let age = backlog.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0
        metrics.backlog.record(backlog.pending)
        metrics.oldestAge.record(age)
        metrics.parkedNow.record(backlog.parked)
        if let readiness, !loop.fatal {
            var problems: [String] = []
            if age > Double(settings.maxUnsentAge.components.seconds) {
                problems.append("\(backlog.pending) messages unsent, the oldest for \(Int(age)) s")
            }
            if backlog.parked > 0 { problems.append("\(backlog.parked) messages parked (undeliverable; see the log)") }
            readiness.set("outbox", problems.isEmpty ? .ready : .degraded(problems.joined(separator: "; ")))
        }
        let clock = ContinuousClock.now
        if clock - loop.lastParkedRetry >= settings.parkedRetryInterval {
            loop.lastParkedRetry = clock
            let retried = try await database.write { db in
                try db.execute(sql: "UPDATE outbox SET parked_at = NULL WHERE parked_at IS NOT NULL AND park_curable = 1")
                return db.changesCount
            }
            if retried > 0 {
                logger.notice("Parked outbox messages tried again", metadata: ["outbox.retried": "\(retried)"])
                loop.cursor = 0
            }
        }
    }

    /// On shutdown: no new sends; what is in flight gets a few seconds to report and be recorded.
    private func drain(_ loop: inout Loop) async {
        let deadline = ContinuousClock.now + .seconds(5)
        while deliveries.withLock({ $0.awaitingReport }) > 0, ContinuousClock.now < deadline {
            await wakeUps.wait(timeout: .milliseconds(100))
            try? await recordDeliveries(&loop)
        }
        try? await recordDeliveries(&loop)
        if !loop.fatal {
            // Last chance for what the final messages produced (the producer stops after this service).
            _ = try? await sendNext(upTo: settings.readBatch, loop: &loop)
            let last = ContinuousClock.now + .seconds(2)
            while deliveries.withLock({ $0.awaitingReport }) > 0, ContinuousClock.now < last {
                await wakeUps.wait(timeout: .milliseconds(50))
            }
            try? await recordDeliveries(&loop)
        }
    }

    /// Publishes what is unsent now and waits until it is confirmed (or `timeout` passes); for tests
    /// and tools that run the publisher by hand rather than as a service. Returns how many rows were
    /// confirmed.
    @discardableResult
    public func publishPending(timeout: Duration = .seconds(10)) async throws -> Int {
        var loop = Loop()
        var confirmed = 0
        let deadline = ContinuousClock.now + timeout
        repeat {
            try await updateConfirmation()
            let sent = try await sendNext(upTo: settings.readBatch, loop: &loop)
            while deliveries.withLock({ $0.awaitingReport }) > 0, ContinuousClock.now < deadline {
                await wakeUps.wait(timeout: .milliseconds(20))
            }
            let reports = deliveries.withLock { $0.reports.filter { if case .success = $0.result { true } else { false } }.count }
            try await recordDeliveries(&loop)
            confirmed += reports
            if sent == 0 { break }
        } while ContinuousClock.now < deadline
        return confirmed
    }
}

/// Where a changelog record belongs: its topic, key and partition.
private struct RecordKey: Hashable {
    let topic: String
    let key: String
    let partition: Int32?
}

/// The outbox's metrics, made once.
struct OutboxMetrics: Sendable {
    let service: ServiceName
    let published: Counter
    /// Changelog records not sent because a later record of their key went in their place.
    let coalesced: Counter
    let failures: Counter
    let backlog: Gauge
    let oldestAge: Gauge
    let parkedNow: Gauge

    init(service: ServiceName) {
        self.service = service
        let dimensions = [("service", service.rawValue)]
        published = Counter(label: "minsheng_outbox_published_total", dimensions: dimensions)
        coalesced = Counter(label: "minsheng_outbox_coalesced_total", dimensions: dimensions)
        failures = Counter(label: "minsheng_outbox_failures_total", dimensions: dimensions)
        backlog = Gauge(label: "minsheng_outbox_backlog", dimensions: dimensions)
        oldestAge = Gauge(label: "minsheng_outbox_oldest_unsent_age_seconds", dimensions: dimensions)
        parkedNow = Gauge(label: "minsheng_outbox_parked", dimensions: dimensions)
    }

    func parked(reason: String) -> Counter {
        Counter(label: "minsheng_outbox_parked_total", dimensions: [("service", service.rawValue), ("reason", reason)])
    }
}
