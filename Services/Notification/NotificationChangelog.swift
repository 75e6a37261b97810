import Foundation
import GRDB
import MinshengModel
import MinshengPlatform

/// Writing notification's state to `notification.deliveries.changelog` and reading it back (docs/scaling.md).
///
/// Every transaction that changes a notification or a work order's latest change ends by recording the
/// whole new state of what it changed, to the partition of that state, after the transaction's outputs
/// (`notifications.deliveries`, dead letters): a record in Kafka then implies its outputs are there too.
/// Restoring applies records idempotently; an older record than what is stored changes nothing.
enum NotificationChangelog {
    static let topic = Topics.notificationChangelog

    /// Records the current state of each notification of `ids` that belongs to a partition (one stored
    /// before partitioning has none and is not recorded). Call it last in the transaction.
    static func record(notifications ids: some Sequence<String>, db: Database, now: Date) throws {
        for id in ids {
            guard let (partition, record) = try notificationRecord(id: id, db: db) else { continue }
            let value = NotificationChangelogRecord(notification: record)
            try Changelog.record(db, topic: topic, partition: partition, key: value.key, value: value, now: now)
        }
    }

    /// Records the latest change acted on of `workOrderId`. Call it last in the transaction (after the
    /// notifications the change planned: a new owner that finds this record treats the change as done).
    static func record(workOrderChange workOrderId: String, db: Database, now: Date) throws {
        guard let row = try Row.fetchOne(db.cached("SELECT * FROM work_order_change WHERE work_order_id = ?"),
                                         arguments: [workOrderId]),
              let partition: Int32 = row["partition"] else { return }
        let value = NotificationChangelogRecord(workOrderChange: .init(
            workOrderId: workOrderId, sequence: row["sequence"], seenAt: row["seen_at"]))
        try Changelog.record(db, topic: topic, partition: partition, key: value.key, value: value, now: now)
    }

    /// A notification row and its attempts as a record, with its partition; nil when it has none.
    static func notificationRecord(id: String, db: Database) throws -> (Int32, NotificationChangelogRecord.NotificationRecord)? {
        guard let row = try Row.fetchOne(db.cached("SELECT * FROM notification WHERE notification_id = ?"), arguments: [id]),
              let partition: Int32 = row["partition"] else { return nil }
        let history = try Row.fetchAll(db.cached("SELECT * FROM delivery_attempt WHERE notification_id = ? ORDER BY attempt, id"),
                                       arguments: [id]).map { attempt in
            NotificationChangelogRecord.NotificationRecord.Attempt(
                attempt: attempt["attempt"], at: attempt["at"], outcome: attempt["outcome"], detail: attempt["detail"],
                durationMs: attempt["duration_ms"])
        }
        let record = NotificationChangelogRecord.NotificationRecord(
            notificationId: id, kind: row["kind"], subjectId: row["subject_id"], eventId: row["event_id"],
            workOrderId: row["work_order_id"], recipient: row["recipient"], unitId: row["unit_id"], channel: row["channel"],
            target: row["target"], payloadBase64: (row["payload"] as Data).base64EncodedString(), text: row["text"],
            urgent: row["urgent"], dedupeKey: row["dedupe_key"], status: row["status"], attempts: row["attempts"],
            nextAttemptAt: row["next_attempt_at"], createdAt: row["created_at"],
            finishedAt: row["finished_at"], lastError: row["last_error"], version: row["version"],
            history: history)
        return (partition, record)
    }

    // MARK: Restoring

    /// Applies `record`, read from changelog partition `partition`. Idempotent; a record older than
    /// what is stored for its key changes nothing. With `retention`, a notification planned or a work
    /// order's change acted on longer ago than that is not restored: the retention sweeper forgets it
    /// here too (a notification's every record has the same `createdAt`, so an earlier pending record
    /// cannot bring back one whose finished record is beyond the horizon).
    static func apply(_ record: NotificationChangelogRecord, partition: Int32, db: Database, now: Date,
                      retention: TimeInterval? = nil) throws {
        let horizon = retention.map { now.addingTimeInterval(-$0) }
        if let notification = record.notification {
            if let horizon, try date(notification.createdAt) < horizon {
                try db.run("DELETE FROM delivery_attempt WHERE notification_id = ?", [notification.notificationId])
                try db.run("DELETE FROM notification WHERE notification_id = ?", [notification.notificationId])
                return
            }
            try apply(notification, partition: partition, db: db)
        }
        if let change = record.workOrderChange {
            if let horizon, try date(change.seenAt) < horizon { return }
            _ = try date(change.seenAt)
            try db.run("""
                INSERT INTO work_order_change (work_order_id, sequence, seen_at, partition) VALUES (?, ?, ?, ?)
                ON CONFLICT (work_order_id) DO UPDATE SET sequence = excluded.sequence, seen_at = excluded.seen_at,
                    partition = excluded.partition
                WHERE excluded.sequence > work_order_change.sequence
                """, [change.workOrderId, change.sequence, change.seenAt, partition])
        }
    }

    /// Deletes what a record's key holds (a tombstone): a notification with its attempts, or a work
    /// order's latest change (`work-order:<workOrderId>`).
    static func forget(key: String, db: Database) throws {
        let workOrderPrefix = "work-order:"
        if key.hasPrefix(workOrderPrefix) {
            try db.run("DELETE FROM work_order_change WHERE work_order_id = ?", [String(key.dropFirst(workOrderPrefix.count))])
        } else {
            try db.run("DELETE FROM delivery_attempt WHERE notification_id = ?", [key])
            try db.run("DELETE FROM notification WHERE notification_id = ?", [key])
        }
    }

    private static func apply(_ record: NotificationChangelogRecord.NotificationRecord, partition: Int32, db: Database) throws {
        guard let payload = Data(base64Encoded: record.payloadBase64) else {
            throw NotificationChangelogError("notification \(record.notificationId): payloadBase64 is not base64")
        }
        for timestamp in [record.nextAttemptAt, record.createdAt] + [record.finishedAt].compactMap({ $0 }) + record.history.map(\.at) {
            _ = try date(timestamp)
        }
        let stored = try Row.fetchOne(db.cached("SELECT status, attempts, version FROM notification WHERE notification_id = ?"),
                                      arguments: [record.notificationId])
        if let stored {
            let precedence = NotificationChangelogRecord.Precedence(
                finished: stored["status"] != "pending", attempts: stored["attempts"], version: stored["version"])
            guard record.precedence > precedence else { return }
            try db.run("""
                UPDATE notification SET kind = ?, subject_id = ?, event_id = ?, work_order_id = ?, recipient = ?, unit_id = ?,
                    channel = ?, target = ?, payload = ?, text = ?, urgent = ?, status = ?, attempts = ?, next_attempt_at = ?,
                    created_at = ?, finished_at = ?, last_error = ?, partition = ?, version = ?
                WHERE notification_id = ?
                """, [record.kind, record.subjectId, record.eventId, record.workOrderId, record.recipient, record.unitId,
                      record.channel, record.target, payload, record.text, record.urgent, record.status, record.attempts,
                      record.nextAttemptAt, record.createdAt, record.finishedAt, record.lastError, partition,
                      record.version, record.notificationId])
        } else {
            // OR IGNORE: a notification with the same de-duplication key under another id (an id scheme of an
            // older version) is the same message; what is stored stays.
            try db.run("""
                INSERT OR IGNORE INTO notification (notification_id, kind, subject_id, event_id, work_order_id, recipient, unit_id,
                    channel, target, payload, text, urgent, status, attempts, next_attempt_at, created_at, finished_at, last_error,
                    dedupe_key, partition, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [record.notificationId, record.kind, record.subjectId, record.eventId, record.workOrderId, record.recipient,
                      record.unitId, record.channel, record.target, payload, record.text, record.urgent, record.status,
                      record.attempts, record.nextAttemptAt, record.createdAt, record.finishedAt,
                      record.lastError, record.dedupeKey, partition, record.version])
            guard db.changesCount > 0 else { return }
        }
        try db.run("DELETE FROM delivery_attempt WHERE notification_id = ?", [record.notificationId])
        for attempt in record.history {
            try db.run("""
                INSERT INTO delivery_attempt (notification_id, attempt, at, outcome, detail, duration_ms) VALUES (?, ?, ?, ?, ?, ?)
                """, [record.notificationId, attempt.attempt, attempt.at, attempt.outcome, attempt.detail, attempt.durationMs])
        }
    }

    private static func date(_ text: String) throws -> Date {
        guard let date = MessageCoding.parseTimestamp(text) else { throw NotificationChangelogError("not a timestamp: \(text)") }
        return date
    }
}

/// A changelog record or a stored row that cannot be what it claims.
struct NotificationChangelogError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
