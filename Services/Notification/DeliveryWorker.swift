import Foundation
import GRDB
import Logging
import Metrics
import MinshengPlatform
import ServiceLifecycle

/// Delivers pending notifications: POSTs each, records the attempt, and either finishes it (delivered,
/// or failed for good) or schedules the next try with backoff. Everything it decides is in SQLite, so a
/// restart picks up where it stopped; the Idempotency-Key lets a receiver drop a repeat after a crash.
final class DeliveryWorker: Service, Sendable {
    private let database: any DatabaseWriter
    private let sender: WebhookSender
    private let policy: RetryPolicy
    private let outbox: OutboxPublisher
    private let logger: Logger
    private let wakeUps = WakeSignal()
    private let batchSize = 20

    init(database: any DatabaseWriter, sender: WebhookSender, policy: RetryPolicy, outbox: OutboxPublisher, logger: Logger) {
        self.database = database
        self.sender = sender
        self.policy = policy
        self.outbox = outbox
        self.logger = logger
    }

    /// Something new may be due (call after a transaction that added notifications).
    func wake() { wakeUps.signal() }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let batch = try await database.read { [batchSize] db in try NotificationStore.due(db, now: Date(), limit: batchSize) }
            if batch.isEmpty {
                let next = try await database.read { db in try NotificationStore.nextDue(db) }
                let wait = next.map { min(max($0.timeIntervalSinceNow, 0.05), 1.0) } ?? 1.0
                await wakeUps.wait(timeout: .milliseconds(Int(wait * 1000)))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for notification in batch {
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
        let outcome = await sender.send(notification.payload, to: notification.target,
                                        notificationId: notification.id, kind: notification.kind)
        let duration = clock.now - started
        let metadata: Logger.Metadata = [
            "notification.id": "\(notification.id)", "workOrder.id": "\(notification.workOrderId)",
            "event.id": "\(notification.eventId)", "unit.id": "\(notification.unitId)", "attempt": "\(attempt)",
        ]
        do {
            try await database.write { [policy] db in
                let now = Date()
                switch outcome {
                case .delivered(let status):
                    try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "delivered",
                                                        httpStatus: status, error: nil, duration: duration, db: db, now: now)
                    try NotificationStore.finish(id: notification.id, status: .delivered, attempts: attempt,
                                                 detail: "HTTP \(status)", db: db, now: now)
                case .rejected(let status):
                    try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "rejected",
                                                        httpStatus: status, error: "HTTP \(status)", duration: duration, db: db, now: now)
                    try NotificationStore.finish(id: notification.id, status: .failed, attempts: attempt,
                                                 detail: "receiver refused it: HTTP \(status)", db: db, now: now)
                case .failed(let status, let error):
                    try NotificationStore.recordAttempt(id: notification.id, attempt: attempt, outcome: "failed",
                                                        httpStatus: status, error: error, duration: duration, db: db, now: now)
                    if let delay = policy.delay(afterAttempt: attempt) {
                        try NotificationStore.reschedule(id: notification.id, attempts: attempt,
                                                         at: now.addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18),
                                                         error: error, db: db)
                    } else {
                        try NotificationStore.finish(id: notification.id, status: .failed, attempts: attempt,
                                                     detail: "gave up after \(attempt) attempts: \(error)", db: db, now: now)
                    }
                }
            }
        } catch {
            logger.error("Could not record a delivery attempt", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return
        }
        switch outcome {
        case .delivered:
            logger.debug("Notification delivered", metadata: metadata)
            Counter(label: "minsheng_notifications_total", dimensions: [("outcome", "delivered")]).increment()
        case .rejected(let status):
            logger.error("Notification refused by receiver", metadata: metadata.merging(["http.status": "\(status)"]) { $1 })
            Counter(label: "minsheng_notifications_total", dimensions: [("outcome", "failed")]).increment()
        case .failed(_, let error):
            logger.info("Notification delivery failed; will retry if attempts remain",
                        metadata: metadata.merging(["error": "\(error)"]) { $1 })
            Counter(label: "minsheng_notification_attempt_failures_total").increment()
        }
    }
}
