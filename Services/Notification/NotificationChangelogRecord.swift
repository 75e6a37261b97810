import Foundation
import MinshengModel

/// One record of `notification.deliveries.changelog` (docs/messages.md): the whole state of one
/// notification (with its delivery state and attempts), or the latest change of one work order that
/// notification acted on. Exactly one of the two is set. Records are full, so the last one of a key is
/// the state; they carry what orders them (`version`, status and attempts; `sequence`), so that
/// restoring an older record after a newer one changes nothing.
///
/// Timestamps are the strings stored in SQLite, carried as they are (the shared encoding's format):
/// parsing and formatting again can lose a millisecond, and a restored copy must be the same state.
struct NotificationChangelogRecord: Codable, Sendable, Equatable, VersionedMessage {
    static let currentSchemaVersion = 1

    var schemaVersion = Self.currentSchemaVersion
    var notification: NotificationRecord?
    var workOrderChange: WorkOrderChangeRecord?

    /// A notification as stored in the `notification` table, with its attempts.
    struct NotificationRecord: Codable, Sendable, Equatable {
        var notificationId: String
        var kind: String
        var subjectId: String
        var eventId: String
        var workOrderId: String?
        var recipient: String
        var unitId: String?
        var channel: String
        var target: String?
        /// The exact bytes sent (webhook or robot body, SMS gateway body), base64.
        var payloadBase64: String
        var text: String
        var urgent: Bool
        var dedupeKey: String
        /// `pending`, `delivered`, `failed`, `undeliverable` or `capped`.
        var status: String
        /// Attempts made so far.
        var attempts: Int
        var nextAttemptAt: String
        var createdAt: String
        var finishedAt: String?
        var lastError: String?
        /// Counts the changes of this notification: 1 when planned, one more at each change.
        var version: Int
        var history: [Attempt]

        struct Attempt: Codable, Sendable, Equatable {
            var attempt: Int
            var at: String
            var outcome: String
            var detail: String?
            var durationMs: Int
        }

        /// The order of records of one notification: a finished one beats a pending one, more attempts
        /// beat fewer, then the higher version. Each change the owner makes moves it forward; a record from
        /// a former owner that finished a delivery during a hand-over still wins over a pending one.
        var precedence: Precedence { Precedence(finished: status != "pending", attempts: attempts, version: version) }
    }

    /// The latest change of a work order acted on (`TriggerHandler.isCurrent`).
    struct WorkOrderChangeRecord: Codable, Sendable, Equatable {
        var workOrderId: String
        var sequence: Int
        var seenAt: String
    }

    /// The ordering of a notification's records.
    struct Precedence: Comparable, Sendable {
        var finished: Bool
        var attempts: Int
        var version: Int

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.finished ? 1 : 0, lhs.attempts, lhs.version) < (rhs.finished ? 1 : 0, rhs.attempts, rhs.version)
        }
    }

    /// The record's key: the notification id, or `work-order:<workOrderId>`.
    var key: String {
        if let notification { return notification.notificationId }
        return "work-order:\(workOrderChange?.workOrderId ?? "")"
    }
}
