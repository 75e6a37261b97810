import Foundation
import GRDB
import MinshengModel

/// One work order as the lists show it (screen, triage desk, workbench, search).
struct OrderSummary: Codable, Sendable, Equatable {
    var workOrderId: String
    var eventId: String
    var status: String
    var level: String
    var category: String
    var source: String
    var sourceId: String
    var town: String?
    var village: String?
    var unitId: String
    var unitName: String
    var coUnitIds: [String]
    var text: String
    var address: String?
    var reporterName: String?
    var reporterPhone: String?
    var dispatchedAt: Date
    var roundStartedAt: Date
    var signBy: Date
    var onSiteBy: Date?
    var resolveBy: Date
    var reviewBy: Date?
    var signedAt: Date?
    var resolvedAt: Date?
    var result: String?
    var hotspotAlertId: String?
    var proposedUnitId: String?
    var proposedUnitName: String?
    var returnReason: String?
    var mergedInto: String?
    /// Deadlines of the current round passed and unmet now (red).
    var overdue: [String]
    /// Deadlines past their warning and not yet due (yellow).
    var nearlyDue: [String]
    var version: Int

    static func from(_ row: Row, now: Date, fraction: Double, units: UnitsDirectory, maskPhone: Bool) -> OrderSummary {
        func date(_ column: String) -> Date? { (row[column] as String?).flatMap(MessageCoding.parseTimestamp) }
        let status = WorkOrderStatus(rawValue: row["status"]) ?? .dispatched
        let deadlines = OrderRules.pendingDeadlines(
            status: status, roundStartedAt: date("round_started_at")!, signBy: date("sign_by")!, onSiteBy: date("on_site_by"),
            resolveBy: date("resolve_by")!, reviewStartedAt: date("review_started_at"), reviewBy: date("review_by"), fraction: fraction)
        let proposed: String? = row["proposed_unit_id"]
        let phone: String? = row["reporter_phone"]
        let coUnits: String = row["co_unit_ids"]
        return OrderSummary(
            workOrderId: row["work_order_id"], eventId: row["event_id"], status: status.rawValue, level: row["level"],
            category: row["category"], source: row["source"], sourceId: row["source_id"], town: row["town"], village: row["village"],
            unitId: row["unit_id"], unitName: row["unit_name"], coUnitIds: coUnits.split(separator: ",").map(String.init),
            text: row["text"], address: row["address"], reporterName: row["reporter_name"],
            reporterPhone: maskPhone ? phone.map(Self.mask) : phone, dispatchedAt: date("dispatched_at")!,
            roundStartedAt: date("round_started_at")!, signBy: date("sign_by")!, onSiteBy: date("on_site_by"),
            resolveBy: date("resolve_by")!, reviewBy: date("review_by"), signedAt: date("signed_at"), resolvedAt: date("resolved_at"),
            result: row["result"], hotspotAlertId: row["hotspot_alert_id"], proposedUnitId: proposed,
            proposedUnitName: proposed.map { units.unit(id: $0)?.name ?? $0 }, returnReason: row["return_reason"],
            mergedInto: row["merged_into"],
            overdue: deadlines.filter { $0.due <= now }.map(\.kind.rawValue),
            nearlyDue: deadlines.filter { $0.due > now && $0.warningAt <= now }.map(\.kind.rawValue),
            version: row["version"])
    }

    /// 138****0001
    static func mask(_ phone: String) -> String {
        guard phone.count >= 7 else { return String(repeating: "*", count: phone.count) }
        return String(phone.prefix(3)) + String(repeating: "*", count: phone.count - 7) + String(phone.suffix(4))
    }
}
