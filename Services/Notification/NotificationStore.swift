import Foundation
import GRDB
import MinshengModel
import MinshengPlatform

/// Notifications and their delivery attempts in the notification service's database. A notification
/// is written in the transaction that marks its trigger processed (the outbox of messages to people);
/// `DeliveryWorker` delivers it from here. Each belongs to the state partition of the message it was
/// planned from (`partition`; NULL for one stored before partitioning); every change counts up its
/// `version`, and the caller records the new state in the changelog at the end of its transaction
/// (`NotificationChangelog`).
enum NotificationStore {
    enum Status: String {
        case pending, delivered, failed, undeliverable
        /// Over the daily SMS limit for the phone: recorded, not sent (`SmsDailyLimit`).
        case capped
    }

    struct Pending: Sendable {
        var id: String
        var eventId: String
        var workOrderId: String?
        var kind: String
        var unitId: String?
        var recipient: String
        var channel: String
        var target: String
        var payload: [UInt8]
        var attempts: Int
        /// The state partition; nil for a notification stored before partitioning.
        var partition: Int32?
    }

    /// Stores a planned notification in state partition `partition` unless the same one (same dedupe
    /// key) exists. Returns whether it was new. One with no channel is finished at once as undeliverable.
    @discardableResult
    static func insert(_ planned: PlannedNotification, partition: Int32?, db: Database, now: Date) throws -> Bool {
        try db.run("""
            INSERT OR IGNORE INTO notification (notification_id, kind, subject_id, event_id, work_order_id, recipient, unit_id,
                channel, target, payload, text, urgent, status, next_attempt_at, created_at, dedupe_key, partition, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, 1)
            """, [planned.id, planned.kind.rawValue, planned.subjectId, planned.eventId, planned.workOrderId,
                             planned.recipient, planned.unitId, planned.channel, planned.target, Data(planned.payload),
                             planned.text, planned.urgent, ts(planned.notBefore), ts(now), planned.dedupeKey, partition])
        guard db.changesCount > 0 else { return false }
        if planned.channel == "none" {
            try finish(id: planned.id, status: .undeliverable, attempts: 0,
                       detail: "no channel configured for \(planned.recipient)", db: db, now: now)
        }
        return true
    }

    /// Pending notifications whose next attempt is due, oldest first: of the state partitions in
    /// `partitions` (and those stored before partitioning), or of all when nil.
    static func due(_ db: Database, now: Date, limit: Int, partitions: Set<Int32>? = nil) throws -> [Pending] {
        try Row.fetchAll(db.cached("""
            SELECT * FROM notification WHERE status = 'pending' AND next_attempt_at <= ? \(inPartitions(partitions))
            ORDER BY next_attempt_at LIMIT ?
            """), arguments: [ts(now), limit]).map { row in
            Pending(id: row["notification_id"], eventId: row["event_id"], workOrderId: row["work_order_id"],
                    kind: row["kind"], unitId: row["unit_id"], recipient: row["recipient"], channel: row["channel"],
                    target: row["target"] ?? "", payload: Array(row["payload"] as Data), attempts: row["attempts"],
                    partition: row["partition"])
        }
    }

    /// When the next pending notification (of `partitions`, as in `due`) is due, if any.
    static func nextDue(_ db: Database, partitions: Set<Int32>? = nil) throws -> Date? {
        try String.fetchOne(db.cached("SELECT MIN(next_attempt_at) FROM notification WHERE status = 'pending' \(inPartitions(partitions))"))
            .flatMap(MessageCoding.parseTimestamp)
    }

    /// `AND (partition IN (…) OR partition IS NULL)`, or nothing for all partitions. Partition numbers
    /// are integers, written into the SQL as such.
    private static func inPartitions(_ partitions: Set<Int32>?) -> String {
        guard let partitions else { return "" }
        return "AND (partition IN (\(partitions.sorted().map(String.init).joined(separator: ","))) OR partition IS NULL)"
    }

    /// When each attempt of the last `window` was made, to whom, of the notifications of `partitions` (all
    /// when nil): what the rate limiter counts.
    static func recentAttempts(since: Date, partitions: Set<Int32>? = nil, db: Database)
        throws -> [(recipient: String, message: String, at: Date)] {
        try Row.fetchAll(db, sql: """
            SELECT n.recipient, a.notification_id, a.attempt, a.at FROM delivery_attempt a
            JOIN notification n ON n.notification_id = a.notification_id
            WHERE a.at >= ? \(inPartitions(partitions).replacingOccurrences(of: "partition", with: "n.partition"))
            """, arguments: [ts(since)]).compactMap { row in
            guard let at = MessageCoding.parseTimestamp(row["at"]) else { return nil }
            let id: String = row["notification_id"]
            let attempt: Int = row["attempt"]
            return (row["recipient"], RateLimiter.message(notificationId: id, attempt: attempt), at)
        }
    }

    static func recordAttempt(id: String, attempt: Int, outcome: String, detail: String, duration: Duration, db: Database, now: Date) throws {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        try db.run("""
            INSERT INTO delivery_attempt (notification_id, attempt, at, outcome, detail, duration_ms) VALUES (?, ?, ?, ?, ?, ?)
            """, [id, attempt, ts(now), outcome, detail, millis])
    }

    /// Moves the next attempt without counting one (rate limit, quiet hours).
    static func postpone(id: String, until: Date, db: Database) throws {
        try db.run("UPDATE notification SET next_attempt_at = ?, version = version + 1 WHERE notification_id = ?", [ts(until), id])
    }

    static func reschedule(id: String, attempts: Int, at next: Date, error: String, db: Database) throws {
        try db.run("""
            UPDATE notification SET attempts = ?, next_attempt_at = ?, last_error = ?, version = version + 1 WHERE notification_id = ?
            """, [attempts, ts(next), error, id])
    }

    /// Marks a notification finished and publishes the outcome on `notifications.deliveries`.
    static func finish(id: String, status: Status, attempts: Int, detail: String, db: Database, now: Date) throws {
        try db.run("""
            UPDATE notification SET status = ?, attempts = ?, finished_at = ?, last_error = ?, version = version + 1
            WHERE notification_id = ?
            """, [status.rawValue, attempts, ts(now), status == .delivered ? nil : detail, id])
        guard let row = try Row.fetchOne(db.cached("SELECT * FROM notification WHERE notification_id = ?"), arguments: [id]) else { return }
        let outcome: DeliveryResult.Outcome = switch status {
        case .delivered: .delivered
        case .undeliverable, .capped: .undeliverable
        case .failed, .pending: .failed
        }
        let result = DeliveryResult(
            eventId: row["event_id"], workOrderId: row["work_order_id"], subjectId: row["subject_id"], notificationId: id,
            kind: row["kind"], recipient: row["recipient"], recipientUnitId: row["unit_id"], channel: row["channel"],
            outcome: outcome, attempts: attempts, detail: detail, at: now)
        try Outbox.enqueue(db, topic: Topics.notificationDeliveries, key: result.eventId, message: result, now: now)
        if status == .failed {
            // Dead-lettered with the reason and the exact request body, for replay by an operator.
            let letter = DeadLetter(
                eventId: result.eventId, service: "notification", topic: "notification:\(result.channel)", partition: -1,
                offset: -1, key: id, reason: detail, attempts: attempts, original: Array(row["payload"] as Data), failedAt: now)
            try Outbox.enqueue(db, topic: Topics.deadLetter(service: "notification"), key: id, message: letter, now: now)
        }
    }

    /// Every notification about a work order or hotspot, with its attempts.
    static func list(subjectId: String, db: Database) throws -> [NotificationView] {
        try Row.fetchAll(db.cached("""
            SELECT * FROM notification WHERE subject_id = ? OR work_order_id = ? ORDER BY created_at, notification_id
            """), arguments: [subjectId, subjectId]).map { row in
            let id: String = row["notification_id"]
            let attempts = try Row.fetchAll(db, sql: "SELECT * FROM delivery_attempt WHERE notification_id = ? ORDER BY id",
                                            arguments: [id]).map { attempt in
                NotificationView.Attempt(attempt: attempt["attempt"], at: attempt["at"], outcome: attempt["outcome"],
                                         detail: attempt["detail"], durationMs: attempt["duration_ms"])
            }
            return NotificationView(
                notificationId: id, kind: row["kind"], eventId: row["event_id"], workOrderId: row["work_order_id"],
                subjectId: row["subject_id"], recipient: PersonalData.maskRecipient(row["recipient"]), unitId: row["unit_id"],
                channel: row["channel"], status: row["status"], text: PersonalData.maskDigitRuns(row["text"]), attempts: attempts,
                lastError: row["last_error"], createdAt: row["created_at"], nextAttemptAt: row["next_attempt_at"],
                finishedAt: row["finished_at"])
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
        var detail: String?
        var durationMs: Int
    }
    var notificationId: String
    var kind: String
    var eventId: String
    var workOrderId: String?
    var subjectId: String
    var recipient: String
    var unitId: String?
    var channel: String
    var status: String
    var text: String
    var attempts: [Attempt]
    var lastError: String?
    var createdAt: String
    var nextAttemptAt: String
    var finishedAt: String?
}
