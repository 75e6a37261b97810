import Foundation
import GRDB
import MinshengModel

/// Did the reports stop (未诉先办 follow-up)? After a hotspot's task was resolved, the console counts
/// the new reports of the same matter in the next N days: events received in the hotspot's town (and
/// village, when the hotspot had one) of its category. Until N days have passed the verdict is
/// `watching`; then `stopped` when none came, `continuing` otherwise. Before the task is resolved it is
/// `handling`.
struct HotspotFollowUp: Codable, Sendable, Equatable {
    enum Verdict: String, Codable, Sendable {
        case handling
        case watching
        case stopped
        case continuing
    }

    var verdict: Verdict
    var followUpDays: Int
    /// From the task's resolution to N days later.
    var windowFrom: Date?
    var windowTo: Date?
    /// Reports of the matter in the window so far.
    var newReports: Int
    var newEventIds: [String]

    /// The follow-up period when the console has none recorded for the task.
    static let defaultDays = 7

    static func compute(alertId: String, db: Database, now: Date) throws -> HotspotFollowUp? {
        guard let task = try Row.fetchOne(db, sql: """
            SELECT t.follow_up_days, h.town, h.village, h.category, w.resolved_at, w.status
            FROM work_order w JOIN hotspot h ON h.alert_id = w.hotspot_alert_id
            LEFT JOIN hotspot_task t ON t.alert_id = w.hotspot_alert_id WHERE w.hotspot_alert_id = ?
            """, arguments: [alertId]) else { return nil }
        let days: Int = task["follow_up_days"] ?? defaultDays
        guard let resolved = (task["resolved_at"] as String?).flatMap(MessageCoding.parseTimestamp) else {
            return HotspotFollowUp(verdict: .handling, followUpDays: days, windowFrom: nil, windowTo: nil, newReports: 0, newEventIds: [])
        }
        let end = resolved.addingTimeInterval(TimeInterval(days) * 86_400)
        var sql = """
            SELECT event_id FROM event WHERE received_at >= ? AND received_at < ? AND town = ? AND category = ?
            """
        var arguments: [any DatabaseValueConvertible] = [MessageCoding.formatTimestamp(resolved),
                                                         MessageCoding.formatTimestamp(min(end, now)),
                                                         task["town"] as String, task["category"] as String]
        if let village = task["village"] as String? {
            sql += " AND village = ?"
            arguments.append(village)
        }
        let ids = try String.fetchAll(db, sql: sql + " ORDER BY received_at", arguments: StatementArguments(arguments))
        let verdict: Verdict = now < end ? .watching : (ids.isEmpty ? .stopped : .continuing)
        return HotspotFollowUp(verdict: verdict, followUpDays: days, windowFrom: resolved, windowTo: end, newReports: ids.count,
                               newEventIds: ids)
    }
}
