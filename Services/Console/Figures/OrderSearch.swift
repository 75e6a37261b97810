import Foundation
import GRDB
import MinshengModel

/// Finds work orders by what a person remembers: the work-order number, a phone number, the source
/// system's id (the 12345 ticket, the 110 call number), or words of the text or address, in the order
/// or in any report attached to it. Newest first, at most `limit`.
enum OrderSearch {
    static let limit = 100

    static func find(_ query: String, visibleTo unitId: String?, configuration: ConsoleConfiguration, maskPhones: Bool,
                     db: Database, now: Date) throws -> [OrderSummary] {
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return [] }
        let like = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let conditions = [
            "w.work_order_id LIKE ? ESCAPE '\\'", "w.source_id = ?", "w.reporter_phone LIKE ? ESCAPE '\\'", "w.text LIKE ? ESCAPE '\\'",
            "w.address LIKE ? ESCAPE '\\'", "w.hotspot_alert_id = ?",
            """
            w.work_order_id IN (SELECT we.work_order_id FROM work_order_event we JOIN event e ON e.event_id = we.event_id
                WHERE e.source_id = ? OR e.reporter_phone LIKE ? ESCAPE '\\' OR e.text LIKE ? ESCAPE '\\' OR e.event_id = ?)
            """,
        ]
        var arguments: [any DatabaseValueConvertible] = [like, text, like, like, like, text, text, like, like, text]
        var sql = "SELECT w.* FROM work_order w WHERE (" + conditions.joined(separator: " OR ") + ")"
        if let unitId {
            sql += " AND (w.unit_id = ? OR ',' || w.co_unit_ids || ',' LIKE '%,' || ? || ',%')"
            arguments += [unitId, unitId]
        }
        sql += " ORDER BY w.dispatched_at DESC LIMIT \(limit)"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map {
            OrderSummary.from($0, now: now, fraction: configuration.warningFraction, units: configuration.units, maskPhone: maskPhones)
        }
    }
}
