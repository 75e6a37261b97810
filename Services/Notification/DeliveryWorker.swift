import Foundation
import GRDB
import Logging
import Metrics
import MinshengPlatform
import ServiceLifecycle

/// Delivers pending notifications: sends each over its channel, records the attempt, and either finishes
/// it (delivered, or failed for good) or schedules the next try with backoff. Everything it decides is in
/// SQLite, so a restart picks up where it stopped; the Idempotency-Key lets a receiver drop a repeat of
/// an attempt whose answer was lost in a crash.
final class DeliveryWorker: Service, Sendable {
    private let database: any DatabaseWriter
    private let senders: ChannelSenders
    private let policy: RetryPolicy
    private let limiter: RateLimiter
    private let outbox: OutboxPublisher
    private let logger: Logger
    private let wakeUps = WakeSignal()
    private let batchSize = 20

    init(database: any DatabaseWriter, senders: ChannelSenders, policy: RetryPolicy, limiter: RateLimiter,
         outbox: OutboxPublisher, logger: Logger) {
        self.database = database
        self.senders = senders
        self.policy = policy
        self.limiter = limiter
        self.outbox = outbox
        self.logger = logger
    }

    /// Something new may be due (call after a transaction that added notifications).
    func wake() { wakeUps.signal() }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = Date()
            let batch = try await database.read { [batchSize] db in try NotificationStore.due(db, now: now, limit: batchSize) }
            if batch.isEmpty {
                let next = try await database.read { db in try NotificationStore.nextDue(db) }
                let wait = next.map { min(max($0.timeIntervalSinceNow, 0.05), 1.0) } ?? 1.0
                await wakeUps.wait(timeout: .milliseconds(Int(wait * 1000)))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for notification in batch {
                    if let later = limiter.reserve(notification.recipient, now: now) {
                        _ = try? await database.write { db in try NotificationStore.postpone(id: notification.id, until: later, db: db) }
                        continue
                    }
                    group.addTask { await self.deliver(notification) }
                }
            }
            outbox.wake()
        }
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
            finalOutcome = try await database.write { [policy] db in
                let now = Date()
                switch outcome {
                case .delivered(let detail):
                    try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "delivered", detail: detail,
                                                        duration: duration, db: db, now: now)
                    try NotificationStore.finish(id: notification.id, status: .delivered, attempts: attempt, detail: detail, db: db, now: now)
                    return "delivered"
                case .rejected(let detail):
                    try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "rejected", detail: detail,
                                                        duration: duration, db: db, now: now)
                    try NotificationStore.finish(id: notification.id, status: .failed, attempts: attempt,
                                                 detail: "refused: \(detail)", db: db, now: now)
                    return "failed"
                case .failed(let detail):
                    try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "failed", detail: detail,
                                                        duration: duration, db: db, now: now)
                    guard let delay = policy.delay(afterAttempt: attempt) else {
                        try NotificationStore.finish(id: notification.id, status: .failed, attempts: attempt,
                                                     detail: "gave up after \(attempt) attempts: \(detail)", db: db, now: now)
                        return "failed"
                    }
                    let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                    try NotificationStore.reschedule(id: notification.id, attempts: attempt, at: now.addingTimeInterval(seconds),
                                                     error: detail, db: db)
                    return "retry"
                }
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
}
