import Foundation
import GRDB
import MinshengModel

/// The cockpit's figures (驾驶舱) over the work orders dispatched in a time range: counts by status,
/// level, category and town; the closure rate (办结率); how often signing and resolving met their
/// deadlines; how long they took (median and 90th percentile); and how many orders are overdue now.
struct WorkOrderStats: Codable, Sendable, Equatable {
    /// Durations in seconds over the orders that have one.
    struct Durations: Codable, Sendable, Equatable {
        var count: Int
        var medianSeconds: Double?
        var p90Seconds: Double?
    }

    var from: Date
    var to: Date
    var total: Int
    var byStatus: [String: Int]
    var byLevel: [String: Int]
    var byCategory: [String: Int]
    /// By town or street; orders that could not be placed count under `unknown`.
    var byTown: [String: Int]
    /// Resolved or closed, over all (办结率); absent when there are no orders.
    var closureRate: Double?
    /// Signed by the sign deadline of their current round, over those signed.
    var onTimeSignRate: Double?
    /// Resolved by the resolve deadline of their current round, over those resolved.
    var onTimeResolveRate: Double?
    /// From the start of the current round (the last dispatch to a unit) to signing.
    var timeToSign: Durations
    /// From the first dispatch to the (last) resolution: what the citizen waited.
    var timeToResolve: Durations
    /// Orders with a deadline passed and unmet now.
    var overdueNow: Int

    /// Computes the figures for the orders `query` selects (its `from`/`to` must be set).
    static func compute(_ query: WorkOrderQuery, db: Database, now: Date) throws -> WorkOrderStats {
        var scoped = query
        scoped.overdue = nil
        var (conditions, arguments) = scoped.sqlConditions(now: now)
        // A held report merged into another order is counted there, like a repeat attached by dispatch.
        conditions.append("status != '\(WorkOrderStatus.merged.rawValue)'")
        let condition = conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT status, level, category, town, dispatched_at, round_started_at, sign_by, signed_at, resolve_by, resolved_at
            FROM work_order WHERE \(condition)
            """, arguments: arguments)
        var stats = WorkOrderStats(
            from: query.from ?? now, to: query.to ?? now, total: rows.count, byStatus: [:], byLevel: [:], byCategory: [:],
            byTown: [:], closureRate: nil, onTimeSignRate: nil, onTimeResolveRate: nil,
            timeToSign: Durations(count: 0), timeToResolve: Durations(count: 0), overdueNow: 0)
        var closed = 0
        var signedOnTime = 0
        var resolvedOnTime = 0
        var toSign: [Double] = []
        var toResolve: [Double] = []
        func date(_ value: String?) -> Date? { value.flatMap(MessageCoding.parseTimestamp) }
        for row in rows {
            let status: String = row["status"]
            stats.byStatus[status, default: 0] += 1
            stats.byLevel[row["level"] as String, default: 0] += 1
            stats.byCategory[row["category"] as String, default: 0] += 1
            stats.byTown[(row["town"] as String?) ?? "unknown", default: 0] += 1
            if status == WorkOrderStatus.resolved.rawValue || status == WorkOrderStatus.closed.rawValue { closed += 1 }
            if let signed = date(row["signed_at"]), let start = date(row["round_started_at"]) ?? date(row["dispatched_at"]),
               let signBy = date(row["sign_by"]) {
                toSign.append(signed.timeIntervalSince(start))
                if signed <= signBy { signedOnTime += 1 }
            }
            if let resolved = date(row["resolved_at"]), let dispatched = date(row["dispatched_at"]),
               let resolveBy = date(row["resolve_by"]) {
                toResolve.append(resolved.timeIntervalSince(dispatched))
                if resolved <= resolveBy { resolvedOnTime += 1 }
            }
        }
        for status in WorkOrderStatus.allCases { stats.byStatus[status.rawValue, default: 0] += 0 }
        for level in Level.allCases { stats.byLevel[level.rawValue, default: 0] += 0 }
        if !rows.isEmpty { stats.closureRate = Double(closed) / Double(rows.count) }
        if !toSign.isEmpty { stats.onTimeSignRate = Double(signedOnTime) / Double(toSign.count) }
        if !toResolve.isEmpty { stats.onTimeResolveRate = Double(resolvedOnTime) / Double(toResolve.count) }
        stats.timeToSign = Durations(toSign)
        stats.timeToResolve = Durations(toResolve)
        let (overdueCondition, overdueArguments) = WorkOrderQuery.overdueCondition(now: now)
        stats.overdueNow = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM work_order WHERE \(condition) AND \(overdueCondition)",
                                            arguments: arguments + StatementArguments(overdueArguments)) ?? 0
        return stats
    }
}

extension WorkOrderStats.Durations {
    init(count: Int) {
        self.init(count: count, medianSeconds: nil, p90Seconds: nil)
    }

    /// Median and 90th percentile by the nearest-rank method.
    init(_ values: [Double]) {
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Double? {
            guard !sorted.isEmpty else { return nil }
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
        self.init(count: sorted.count, medianSeconds: percentile(0.5), p90Seconds: percentile(0.9))
    }
}
