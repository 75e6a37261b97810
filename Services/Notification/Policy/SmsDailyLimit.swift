import Foundation
import GRDB
import MinshengModel

/// At most `perPhonePerDay` SMS to one phone number per calendar day (China time by default), so that
/// nobody can use the centre to flood a phone (`sms.dailyLimitPerPhone` in channels.json). Counted in
/// SQLite over the notifications planned that day in the same state partition, which are part of the
/// partition's state (restored by its next owner), so neither a restart nor a hand-over forgets them,
/// and the same message processed again meets the same count. A phone's messages come from many
/// matters, spread over the partitions: with P partitions a phone gets at most P times the limit a
/// day (docs/notifications.md). A message over the limit is stored as `capped` and reported as
/// undeliverable: recorded, not sent.
struct SmsDailyLimit: Sendable {
    var perPhonePerDay: Int
    /// The offset of the local day from UTC, in hours (channels.json `quietHours.utcOffsetHours`).
    var utcOffsetHours: Int

    /// Whether `notification`, just stored in state partition `partition`, is over the limit for its phone.
    func isExceeded(by notification: PlannedNotification, partition: Int32?, db: Database, now: Date) throws -> Bool {
        let (start, end) = day(containing: now)
        let count = try Int.fetchOne(db.cached("""
            SELECT COUNT(*) FROM notification
            WHERE recipient = ? AND channel = 'sms' AND status <> 'capped' AND created_at >= ? AND created_at < ? AND partition IS ?
            """), arguments: [notification.recipient, MessageCoding.formatTimestamp(start), MessageCoding.formatTimestamp(end),
                              partition]) ?? 0
        return count > perPhonePerDay
    }

    /// The local day around `date`, as UTC instants.
    func day(containing date: Date) -> (start: Date, end: Date) {
        let offset = TimeInterval(utcOffsetHours * 3600)
        let local = date.timeIntervalSince1970 + offset
        let start = (local / 86_400).rounded(.down) * 86_400 - offset
        return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: start + 86_400))
    }
}
