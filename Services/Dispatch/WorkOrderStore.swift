import Foundation
import GRDB
import MinshengModel

/// Reads and writes work orders in dispatch's database.
enum WorkOrderStore {
    /// The next id in the `WO<date>-<n>` series, `n` counting from 1 each day of the command centre
    /// (UTC+8); `seq` orders work orders across days.
    static func nextIdentity(_ db: Database, now: Date) throws -> (id: String, seq: Int) {
        let seq = (try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM work_order") ?? 0) + 1
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let day = calendar.dateComponents([.year, .month, .day], from: now)
        let prefix = "WO" + String(format: "%04d%02d%02d", day.year!, day.month!, day.day!) + "-"
        let today = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM work_order WHERE work_order_id LIKE ?",
                                     arguments: [prefix + "%"]) ?? 0
        return (prefix + String(format: "%06d", today + 1), seq)
    }

    static func insert(_ order: WorkOrder, seq: Int, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO work_order (work_order_id, seq, event_id, source, source_id, category, level, town, village, grid,
                unit_id, status, text, address, reporter_name, reporter_phone, occurred_at, dispatched_at, sign_by,
                resolve_by, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                order.workOrderId, seq, order.eventId, order.source.rawValue, order.sourceId, order.category.rawValue,
                order.level.rawValue, order.town, order.village, order.grid, order.unitId, order.status.rawValue,
                order.text, order.address, order.reporter?.name, order.reporter?.phone,
                ts(order.occurredAt), ts(order.dispatchedAt), ts(order.signBy), ts(order.resolveBy), order.version,
            ])
        for entry in order.timeline {
            try db.execute(sql: """
                INSERT INTO work_order_timeline (work_order_id, version, at, actor, change, note) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [order.workOrderId, entry.version, ts(entry.at), entry.actor, entry.change, entry.note])
        }
    }

    static func exists(eventId: String, db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM work_order WHERE event_id = ?", arguments: [eventId]) ?? false
    }

    static func find(id: String, db: Database) throws -> WorkOrder? {
        try fetch(db, where: "work_order_id = ?", arguments: [id], limit: 1).first
    }

    /// Work orders matching the filters, newest first.
    static func list(source: String?, sourceId: String?, eventId: String?, unitId: String?, limit: Int, db: Database) throws -> [WorkOrder] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        for (column, value) in [("source", source), ("source_id", sourceId), ("event_id", eventId), ("unit_id", unitId)] {
            if let value {
                conditions.append("\(column) = ?")
                arguments.append(value)
            }
        }
        return try fetch(db, where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "),
                         arguments: StatementArguments(arguments), limit: limit)
    }

    private static func fetch(_ db: Database, where condition: String, arguments: StatementArguments, limit: Int) throws -> [WorkOrder] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM work_order WHERE \(condition) ORDER BY seq DESC LIMIT \(limit)",
                                    arguments: arguments)
        return try rows.map { row in
            let id: String = row["work_order_id"]
            let timeline = try Row.fetchAll(
                db, sql: "SELECT * FROM work_order_timeline WHERE work_order_id = ? ORDER BY version", arguments: [id]
            ).map { entry in
                WorkOrder.TimelineEntry(version: entry["version"], at: date(entry["at"]), actor: entry["actor"],
                                        change: entry["change"], note: entry["note"])
            }
            let name: String? = row["reporter_name"]
            let phone: String? = row["reporter_phone"]
            return WorkOrder(
                workOrderId: id, eventId: row["event_id"], source: Source(rawValue: row["source"]) ?? .walkin,
                sourceId: row["source_id"], category: Category(rawValue: row["category"]) ?? .other,
                level: Level(rawValue: row["level"]) ?? .normal, town: row["town"], village: row["village"],
                grid: row["grid"], unitId: row["unit_id"], status: WorkOrderStatus(rawValue: row["status"]) ?? .dispatched,
                text: row["text"], address: row["address"],
                reporter: name == nil && phone == nil ? nil : Reporter(name: name, phone: phone),
                occurredAt: date(row["occurred_at"]), dispatchedAt: date(row["dispatched_at"]),
                signBy: date(row["sign_by"]), resolveBy: date(row["resolve_by"]), version: row["version"],
                timeline: timeline)
        }
    }

    private static func ts(_ date: Date) -> String { MessageCoding.formatTimestamp(date) }
    private static func date(_ text: String) -> Date { MessageCoding.parseTimestamp(text) ?? Date(timeIntervalSince1970: 0) }
}
