import Foundation
import GRDB
import MinshengModel

/// The cockpit's figures (驾驶舱) over the work orders created in `[from, to)`, computed from the
/// console's copy of the orders exactly as dispatch's `GET /v1/stats` computes them from its own: counts
/// by status, level, category and town; the closure rate (办结率); on-time sign and resolve rates;
/// time to sign and to resolve; overdue now. Same field names, so the two can be compared as JSON.
struct CockpitFigures: Codable, Sendable, Equatable {
    var from: Date
    var to: Date
    var total: Int
    var byStatus: [String: Int]
    var byLevel: [String: Int]
    var byCategory: [String: Int]
    var byTown: [String: Int]
    var closureRate: Double?
    var onTimeSignRate: Double?
    var onTimeResolveRate: Double?
    var timeToSign: Durations
    var timeToResolve: Durations
    var overdueNow: Int

    /// The orders of a period, optionally of one town or one unit (lead or co-operating), as dispatch
    /// filters them. A held report merged into another order is not counted: it is counted there.
    static func compute(from: Date, to: Date, town: String? = nil, unitId: String? = nil, db: Database, now: Date) throws -> CockpitFigures {
        var conditions = ["dispatched_at >= ?", "dispatched_at < ?", "status != 'merged'"]
        var arguments: [any DatabaseValueConvertible] = [MessageCoding.formatTimestamp(from), MessageCoding.formatTimestamp(to)]
        if let town {
            conditions.append("town = ?")
            arguments.append(town)
        }
        if let unitId {
            conditions.append("(unit_id = ? OR ',' || co_unit_ids || ',' LIKE '%,' || ? || ',%')")
            arguments += [unitId, unitId]
        }
        let condition = conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT status, level, category, town, dispatched_at, round_started_at, sign_by, signed_at, resolve_by, resolved_at
            FROM work_order WHERE \(condition)
            """, arguments: StatementArguments(arguments))
        var figures = CockpitFigures(
            from: from, to: to, total: rows.count, byStatus: [:], byLevel: [:], byCategory: [:], byTown: [:],
            closureRate: nil, onTimeSignRate: nil, onTimeResolveRate: nil,
            timeToSign: Durations(count: 0, medianSeconds: nil, p90Seconds: nil),
            timeToResolve: Durations(count: 0, medianSeconds: nil, p90Seconds: nil), overdueNow: 0)
        var closed = 0
        var signedOnTime = 0
        var resolvedOnTime = 0
        var toSign: [Double] = []
        var toResolve: [Double] = []
        func date(_ value: String?) -> Date? { value.flatMap(MessageCoding.parseTimestamp) }
        for row in rows {
            let status: String = row["status"]
            figures.byStatus[status, default: 0] += 1
            figures.byLevel[row["level"] as String, default: 0] += 1
            figures.byCategory[row["category"] as String, default: 0] += 1
            figures.byTown[(row["town"] as String?) ?? "unknown", default: 0] += 1
            if status == WorkOrderStatus.resolved.rawValue || status == WorkOrderStatus.closed.rawValue { closed += 1 }
            if let signed = date(row["signed_at"]), let start = date(row["round_started_at"]) ?? date(row["dispatched_at"]),
               let signBy = date(row["sign_by"]) {
                toSign.append(signed.timeIntervalSince(start))
                if signed <= signBy { signedOnTime += 1 }
            }
            if let resolved = date(row["resolved_at"]), let dispatched = date(row["dispatched_at"]), let resolveBy = date(row["resolve_by"]) {
                toResolve.append(resolved.timeIntervalSince(dispatched))
                if resolved <= resolveBy { resolvedOnTime += 1 }
            }
        }
        for status in WorkOrderStatus.allCases { figures.byStatus[status.rawValue, default: 0] += 0 }
        for level in Level.allCases { figures.byLevel[level.rawValue, default: 0] += 0 }
        if !rows.isEmpty { figures.closureRate = Double(closed) / Double(rows.count) }
        if !toSign.isEmpty { figures.onTimeSignRate = Double(signedOnTime) / Double(toSign.count) }
        if !toResolve.isEmpty { figures.onTimeResolveRate = Double(resolvedOnTime) / Double(toResolve.count) }
        figures.timeToSign = Durations(toSign)
        figures.timeToResolve = Durations(toResolve)
        let overdue = OrderRules.overdueCondition(now: now)
        figures.overdueNow = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM work_order WHERE \(condition) AND \(overdue.sql)",
                                              arguments: StatementArguments(arguments + overdue.arguments)) ?? 0
        return figures
    }
}
