import Foundation
import GRDB
import Logging
import Metrics
import MinshengPlatform
import ServiceLifecycle
import Synchronization

/// Delivers pending notifications: sends each over its channel, records the attempt, and either finishes
/// it (delivered, or failed for good) or schedules the next try with backoff. Everything it decides is in
/// SQLite and, for partitioned state, in the changelog (each transaction ends with the notification's new
/// record), so a restart or the next owner of a partition picks up where it stopped; the
/// Idempotency-Key lets a receiver drop a repeat of an attempt whose answer was lost in a crash.
///
/// With several instances it delivers only the notifications of the state partitions this instance
/// owns (`owned`), plus those stored before partitioning. When partitions are given up, it finishes the
/// deliveries it started for them and waits until the outbox has published their records
/// (`finishWork(on:within:)`), so the next owner restores them finished and does not send them again.
final class DeliveryWorker: Service, Sendable {
    private let database: any DatabaseWriter
    /// Outcomes of the deliveries of a batch finish together: recorded together, one transaction for
    /// those that finished while the previous one was written.
    private let recorder: GroupCommit
    private let senders: ChannelSenders
    private let policy: RetryPolicy
    private let limiter: RateLimiter
    private let outbox: OutboxPublisher
    private let logger: Logger
    /// The state partitions owned now; nil: not partitioned, every notification is this instance's.
    private let owned: (@Sendable () -> Set<Int32>)?
    private let wakeUps: WakeSignal
    private let batchSize = 20
    /// Deliveries under way, per state partition (-1: stored before partitioning).
    private let inFlight = Mutex<[Int32: Int]>([:])
    /// The partitions whose recent attempts the rate limiter has counted since they became owned.
    private let counted = Mutex<Set<Int32>?>(nil)

    init(database: any DatabaseWriter, senders: ChannelSenders, policy: RetryPolicy, limiter: RateLimiter,
         outbox: OutboxPublisher, logger: Logger, owned: (@Sendable () -> Set<Int32>)? = nil, wakeUps: WakeSignal = WakeSignal()) {
        self.database = database
        self.recorder = GroupCommit(database: database, name: "notification.deliveries")
        self.senders = senders
        self.policy = policy
        self.limiter = limiter
        self.outbox = outbox
        self.logger = logger
        self.owned = owned
        self.wakeUps = wakeUps
    }

    /// Something new may be due (call after a transaction that added notifications).
    func wake() { wakeUps.signal() }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = Date()
            let partitions = owned?()
            try await countRecentAttempts(owned: partitions, now: now)
            let batch = try await database.read { [batchSize] db in
                try NotificationStore.due(db, now: now, limit: batchSize, partitions: partitions)
            }
            if batch.isEmpty {
                let next = try await database.read { db in try NotificationStore.nextDue(db, partitions: partitions) }
                let wait = next.map { min(max($0.timeIntervalSinceNow, 0.05), 1.0) } ?? 1.0
                await wakeUps.wait(timeout: .milliseconds(Int(wait * 1000)))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for notification in batch {
                    // Registered before the ownership check: a revocation after the check waits for it.
                    guard begin(notification) else { continue }
                    let message = RateLimiter.message(notificationId: notification.id, attempt: notification.attempts + 1)
                    if let later = limiter.reserve(notification.recipient, message: message, now: now) {
                        _ = try? await recorder.write { db in try Self.postpone(notification, until: later, db: db, now: now) }
                        end(notification)
                        continue
                    }
                    group.addTask {
                        await self.deliver(notification)
                        self.end(notification)
                    }
                }
            }
            outbox.wake()
        }
        // What the last deliveries recorded goes out before the consumer leaves the group.
        await waitForOutbox(within: .seconds(10))
    }

    /// Marks `notification` in flight if its partition is owned; false (nothing marked) otherwise.
    private func begin(_ notification: NotificationStore.Pending) -> Bool {
        let partition = notification.partition ?? -1
        inFlight.withLock { $0[partition, default: 0] += 1 }
        if let owned, let number = notification.partition, !owned().contains(number) {
            end(notification)
            return false
        }
        return true
    }

    private func end(_ notification: NotificationStore.Pending) {
        let partition = notification.partition ?? -1
        inFlight.withLock { inFlight in
            inFlight[partition, default: 1] -= 1
            if inFlight[partition] == 0 { inFlight[partition] = nil }
        }
    }

    /// Blocks (the consumer's poll thread, while `partitions` are being given up) until no delivery of
    /// them is under way and the outbox has published what was written so far, or `limit` passes.
    func finishWork(on partitions: Set<Int32>, within limit: Duration) {
        let started = ContinuousClock.now
        let deadline = started + limit
        let under = inFlight.withLock { inFlight in partitions.reduce(0) { $0 + (inFlight[$1] ?? 0) } }
        while inFlight.withLock({ !partitions.isDisjoint(with: $0.keys) }), ContinuousClock.now < deadline { usleep(5_000) }
        let written = (try? database.read { db in try Outbox.lastId(db) }) ?? 0
        while outbox.confirmedThrough < written, ContinuousClock.now < deadline {
            outbox.wake()
            usleep(5_000)
        }
        let elapsed = ContinuousClock.now - started
        let metadata: Logger.Metadata = [
            "partitions": "\(partitions.sorted())", "deliveries": "\(under)",
            "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ]
        if ContinuousClock.now >= deadline {
            logger.warning("Partitions given up before their deliveries were recorded and published; the next owner may send them again",
                           metadata: metadata)
        } else {
            logger.info("Deliveries of partitions given up finished and published", metadata: metadata)
        }
    }

    private func waitForOutbox(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        guard let written = try? await database.read({ db in try Outbox.lastId(db) }) else { return }
        while outbox.confirmedThrough < written, ContinuousClock.now < deadline {
            outbox.wake()
            await pauseEvenIfCancelled(for: .milliseconds(10))
        }
    }

    /// Counts, in the rate limiter, the attempts of the last window in the notifications of partitions
    /// newly owned (restored from their former owner), and at start in every notification held.
    private func countRecentAttempts(owned partitions: Set<Int32>?, now: Date) async throws {
        let new: Set<Int32>? = counted.withLock { counted in
            guard let before = counted else {
                counted = partitions ?? []
                return nil  // at start: everything held
            }
            guard let partitions else { return [] }
            counted = partitions
            return partitions.subtracting(before)
        }
        if let new, new.isEmpty { return }
        let since = now.addingTimeInterval(-limiter.window)
        let attempts = try await database.read { db in try NotificationStore.recentAttempts(since: since, partitions: new, db: db) }
        for attempt in attempts { limiter.note(attempt.recipient, message: attempt.message, at: attempt.at, now: now) }
        limiter.prune(now: now)
    }

    private func deliver(_ notification: NotificationStore.Pending) async {
        let attempt = notification.attempts + 1
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await senders.send(notification, now: Date())
        let duration = clock.now - started
        Counter(label: "minsheng_notification_deliveries_total", dimensions: [
            ("channel", notification.channel),
            ("outcome", { switch outcome { case .delivered: "delivered"; case .rejected: "rejected"; case .failed: "failed" } }()),
        ]).increment()
        let metadata: Logger.Metadata = [
            "notification.id": "\(notification.id)", "event.id": "\(notification.eventId)",
            "unit.id": "\(notification.unitId ?? "-")", "channel": "\(notification.channel)",
            "attempt": "\(attempt)",
        ]
        var finalOutcome = "retry"
        do {
            finalOutcome = try await recorder.write { [policy] db in
                try Self.record(outcome, of: notification, attempt: attempt, duration: duration, policy: policy, db: db, now: Date())
            }
        } catch {
            logger.error("Could not record a delivery attempt", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return
        }
        Counter(label: "minsheng_notifications_total", dimensions: [("channel", notification.channel), ("outcome", finalOutcome)])
            .increment()
        switch outcome {
        case .delivered: logger.debug("Notification delivered", metadata: metadata)
        case .rejected(let detail), .failed(let detail):
            if finalOutcome == "failed" {
                logger.error("Notification failed for good", metadata: metadata.merging(["detail": "\(detail)"]) { $1 })
            } else {
                logger.info("Notification delivery failed; will retry", metadata: metadata.merging(["detail": "\(detail)"]) { $1 })
            }
        }
    }

    /// Records attempt `attempt` of `notification` and what follows from its outcome (finished, or the next
    /// try), then the notification's new state in the changelog. Returns `delivered`, `failed` or `retry`.
    static func record(
        _ outcome: DeliveryOutcome, of notification: NotificationStore.Pending, attempt: Int, duration: Duration,
        policy: RetryPolicy, db: Database, now: Date
    ) throws -> String {
        let result: String
        switch outcome {
        case .delivered(let detail):
            try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "delivered", detail: detail,
                                                duration: duration, db: db, now: now)
            try NotificationStore.finish(id: notification.id, status: .delivered, attempts: attempt, detail: detail, db: db, now: now)
            result = "delivered"
        case .rejected(let detail):
            try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "rejected", detail: detail,
                                                duration: duration, db: db, now: now)
            try NotificationStore.finish(id: notification.id, status: .failed, attempts: attempt,
                                         detail: "refused: \(detail)", db: db, now: now)
            result = "failed"
        case .failed(let detail):
            try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "failed", detail: detail,
                                                duration: duration, db: db, now: now)
            if let delay = policy.delay(afterAttempt: attempt) {
                let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                try NotificationStore.reschedule(id: notification.id, attempts: attempt, at: now.addingTimeInterval(seconds),
                                                 error: detail, db: db)
                result = "retry"
            } else {
                try NotificationStore.finish(id: notification.id, status: .failed, attempts: attempt,
                                             detail: "gave up after \(attempt) attempts: \(detail)", db: db, now: now)
                result = "failed"
            }
        }
        // Last: the outputs of `finish` (delivery result, dead letter) come before the record.
        try NotificationChangelog.record(notifications: [notification.id], db: db, now: now)
        return result
    }

    /// Moves a notification's next attempt (rate limit) and records its new state.
    static func postpone(_ notification: NotificationStore.Pending, until later: Date, db: Database, now: Date) throws {
        try NotificationStore.postpone(id: notification.id, until: later, db: db)
        try NotificationChangelog.record(notifications: [notification.id], db: db, now: now)
    }
}
