import Foundation
import GRDB
import MinshengModel

/// A hotspot as the screen and the triage desk show it: the area, theme and channels, every report,
/// and the task made of it (with its follow-up), if any.
struct HotspotSummary: Codable, Sendable, Equatable {
    struct Report: Codable, Sendable, Equatable {
        var eventId: String
        var source: String?
        var text: String?
        var receivedAt: Date?
        var workOrderId: String?
    }

    struct Task: Codable, Sendable, Equatable {
        var workOrderId: String
        var status: String?
        var unitId: String?
        var unitName: String?
        var coUnitIds: [String]
        var resolveBy: Date?
        /// The person who made it, when this console did.
        var createdBy: String
        var followUp: HotspotFollowUp?
    }

    var alertId: String
    var town: String
    var village: String?
    var category: String
    var theme: [String]
    var sources: [String]
    var reporterCount: Int
    var eventCount: Int
    var firstReportedAt: Date
    var lastReportedAt: Date
    var detectedAt: Date
    var reports: [Report]
    var task: Task?

    /// Hotspots detected since `since`, newest first.
    static func recent(since: Date, limit: Int, configuration: ConsoleConfiguration, db: Database, now: Date) throws -> [HotspotSummary] {
        try Row.fetchAll(db, sql: "SELECT * FROM hotspot WHERE detected_at >= ? ORDER BY detected_at DESC LIMIT ?",
                         arguments: [MessageCoding.formatTimestamp(since), limit])
            .map { try summary($0, db: db, now: now) }
    }

    static func find(_ alertId: String, db: Database, now: Date) throws -> HotspotSummary? {
        try Row.fetchOne(db, sql: "SELECT * FROM hotspot WHERE alert_id = ?", arguments: [alertId]).map { try summary($0, db: db, now: now) }
    }

    static func summary(_ row: Row, db: Database, now: Date) throws -> HotspotSummary {
        func date(_ column: String) -> Date { (row[column] as String?).flatMap(MessageCoding.parseTimestamp) ?? now }
        let alertId: String = row["alert_id"]
        let ids = (row["event_ids"] as String).split(separator: ",").map(String.init)
        var reports: [Report] = []
        for id in ids {
            let event = try Row.fetchOne(db, sql: """
                SELECT e.source, e.text, e.received_at, we.work_order_id FROM event e
                LEFT JOIN work_order_event we ON we.event_id = e.event_id WHERE e.event_id = ?
                """, arguments: [id])
            reports.append(Report(eventId: id, source: event?["source"], text: event?["text"],
                                  receivedAt: (event?["received_at"] as String?).flatMap(MessageCoding.parseTimestamp),
                                  workOrderId: event?["work_order_id"]))
        }
        var task: Task?
        // The task is the work order dispatch made for the alert; the console keeps only who asked and
        // the follow-up period.
        if let taskRow = try Row.fetchOne(db, sql: """
            SELECT w.work_order_id, w.status, w.unit_id, w.unit_name, w.co_unit_ids, w.resolve_by, t.created_by
            FROM work_order w LEFT JOIN hotspot_task t ON t.alert_id = w.hotspot_alert_id WHERE w.hotspot_alert_id = ?
            """, arguments: [alertId]) {
            task = Task(workOrderId: taskRow["work_order_id"], status: taskRow["status"], unitId: taskRow["unit_id"],
                        unitName: taskRow["unit_name"],
                        coUnitIds: ((taskRow["co_unit_ids"] as String?) ?? "").split(separator: ",").map(String.init),
                        resolveBy: (taskRow["resolve_by"] as String?).flatMap(MessageCoding.parseTimestamp),
                        createdBy: taskRow["created_by"] ?? "-", followUp: try HotspotFollowUp.compute(alertId: alertId, db: db, now: now))
        }
        return HotspotSummary(
            alertId: alertId, town: row["town"], village: row["village"], category: row["category"],
            theme: (row["theme"] as String).split(separator: "\n").map(String.init),
            sources: (row["sources"] as String).split(separator: ",").map(String.init), reporterCount: row["reporter_count"],
            eventCount: ids.count, firstReportedAt: date("first_reported_at"), lastReportedAt: date("last_reported_at"),
            detectedAt: date("detected_at"), reports: reports, task: task)
    }
}
