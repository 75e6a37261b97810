import Foundation
import GRDB
import MinshengModel
import MinshengPlatform

/// Notifications and their delivery attempts in the notification service's database.
enum NotificationStore {
    enum Status: String {
        case pending, delivered, failed, undeliverable
    }

    struct Pending: Sendable {
        var id: String
        var eventId: String
        var workOrderId: String
        var kind: String
        var unitId: String
        var target: String
        var payload: [UInt8]
        var attempts: Int
    }

    static func insert(
        id: String, kind: NotificationKind, update: WorkOrderUpdate, channel: String, target: String?, payload: [UInt8],
        db: Database, now: Date
    ) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO notification (notification_id, kind, event_id, work_order_id, update_sequence, unit_id,
                channel, target, payload, status, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """, arguments: [id, kind.rawValue, update.eventId, update.workOrderId, update.sequence, update.unitId,
                             channel, target, Data(payload), ts(now), ts(now)])
    }

    /// Pending notifications whose next attempt is due, oldest first.
    static func due(_ db: Database, now: Date, limit: Int) throws -> [Pending] {
        try Row.fetchAll(db, sql: """
            SELECT * FROM notification WHERE status = 'pending' AND channel = 'webhook' AND next_attempt_at <= ?
            ORDER BY next_attempt_at LIMIT ?
            """, arguments: [ts(now), limit]).map { row in
            Pending(id: row["notification_id"], eventId: row["event_id"], workOrderId: row["work_order_id"],
                    kind: row["kind"], unitId: row["unit_id"], target: row["target"],
                    payload: Array(row["payload"] as Data), attempts: row["attempts"])
        }
    }

    /// When the next pending notification is due, if any.
    static func nextDue(_ db: Database) throws -> Date? {
        try String.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM notification WHERE status = 'pending' AND channel = 'webhook'")
            .flatMap(MessageCoding.parseTimestamp)
    }

    static func recordAttempt(
        id: String, attempt: Int, outcome: String, httpStatus: Int?, error: String?, duration: Duration, db: Database, now: Date
    ) throws {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        try db.execute(sql: """
            INSERT INTO delivery_attempt (notification_id, attempt, at, outcome, http_status, error, duration_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, attempt, ts(now), outcome, httpStatus, error, millis])
    }

    static func reschedule(id: String, attempts: Int, at next: Date, error: String, db: Database) throws {
        try db.execute(sql: "UPDATE notification SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE notification_id = ?",
                       arguments: [attempts, ts(next), error, id])
    }

    /// Marks a notification finished and publishes the outcome on `notifications.deliveries`.
    static func finish(id: String, status: Status, attempts: Int, detail: String, db: Database, now: Date) throws {
        try db.execute(sql: """
            UPDATE notification SET status = ?, attempts = ?, finished_at = ?, last_error = ? WHERE notification_id = ?
            """, arguments: [status.rawValue, attempts, ts(now), status == .delivered ? nil : detail, id])
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM notification WHERE notification_id = ?", arguments: [id]) else { return }
        let outcome: DeliveryResult.Outcome = switch status {
        case .delivered: .delivered
        case .undeliverable: .undeliverable
        case .failed, .pending: .failed
        }
        let result = DeliveryResult(
            eventId: row["event_id"], workOrderId: row["work_order_id"], notificationId: id, kind: row["kind"],
            recipientUnitId: row["unit_id"], channel: row["channel"], outcome: outcome, attempts: attempts,
            detail: detail, at: now)
        try Outbox.enqueue(db, topic: Topics.notificationDeliveries, key: result.eventId, message: result, now: now)
    }

    /// Every notification about a work order, with its attempts.
    static func list(workOrderId: String, db: Database) throws -> [NotificationView] {
        try Row.fetchAll(db, sql: "SELECT * FROM notification WHERE work_order_id = ? ORDER BY created_at, notification_id",
                         arguments: [workOrderId]).map { row in
            let id: String = row["notification_id"]
            let attempts = try Row.fetchAll(db, sql: "SELECT * FROM delivery_attempt WHERE notification_id = ? ORDER BY id",
                                            arguments: [id]).map { attempt in
                NotificationView.Attempt(attempt: attempt["attempt"], at: attempt["at"], outcome: attempt["outcome"],
                                         httpStatus: attempt["http_status"], error: attempt["error"],
                                         durationMs: attempt["duration_ms"])
            }
            return NotificationView(
                notificationId: id, kind: row["kind"], eventId: row["event_id"], workOrderId: row["work_order_id"],
                unitId: row["unit_id"], channel: row["channel"], status: row["status"], attempts: attempts,
                lastError: row["last_error"], createdAt: row["created_at"], finishedAt: row["finished_at"])
        }
    }

    private static func ts(_ date: Date) -> String { MessageCoding.formatTimestamp(date) }
}

/// A notification as `GET /v1/notifications` shows it.
struct NotificationView: Codable, Sendable {
    struct Attempt: Codable, Sendable {
        var attempt: Int
        var at: String
        var outcome: String
        var httpStatus: Int?
        var error: String?
        var durationMs: Int
    }
    var notificationId: String
    var kind: String
    var eventId: String
    var workOrderId: String
    var unitId: String
    var channel: String
    var status: String
    var attempts: [Attempt]
    var lastError: String?
    var createdAt: String
    var finishedAt: String?
}
