import Foundation
import GRDB
import Logging
import Metrics
import MinshengModel
import ServiceLifecycle

/// Publishes, every `interval`, how many work orders (工单) are in each status
/// (`minsheng_workorders{status}`) and how many open ones are overdue on each deadline of their
/// current round (`minsheng_workorders_overdue{deadline}`: sign, on_site, resolve — the rule of
/// `WorkOrderQuery.overdueCondition`). Read from dispatch's SQLite, so the figures are right after a
/// restart too.
struct WorkOrderGauges: Service {
    let database: any DatabaseReader
    let clock: any WallClock
    let logger: Logger
    var interval: Duration = .seconds(15)

    /// The three deadlines a round has, with the statuses in which each is still unmet.
    static let deadlines: [(label: String, column: String, kind: DeadlineTimer.Kind)] = [
        ("sign", "sign_by", .signOverdue), ("on_site", "on_site_by", .onSiteOverdue), ("resolve", "resolve_by", .resolveOverdue),
    ]

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await publish()
            } catch {
                logger.warning("Could not count work orders for the metrics", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func publish() async throws {
        let (byStatus, overdue) = try await database.read { [clock] db in try Self.count(db, now: clock.now()) }
        for status in WorkOrderStatus.allCases {
            Gauge(label: "minsheng_workorders", dimensions: [("status", status.rawValue)]).record(byStatus[status] ?? 0)
        }
        for (deadline, count) in overdue {
            Gauge(label: "minsheng_workorders_overdue", dimensions: [("deadline", deadline)]).record(count)
        }
    }

    /// Orders per status, and open orders past each unmet deadline at `now`.
    static func count(_ db: Database, now: Date) throws -> ([WorkOrderStatus: Int], [(String, Int)]) {
        var byStatus: [WorkOrderStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM work_order GROUP BY status") {
            if let status = WorkOrderStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
        }
        let at = MessageCoding.formatTimestamp(now)
        let overdue = try deadlines.map { deadline in
            let statuses = deadline.kind.pendingStatuses.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")
            let count = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM work_order
                WHERE status IN (\(statuses)) AND \(deadline.column) IS NOT NULL AND \(deadline.column) <= ?
                """, arguments: [at]) ?? 0
            return (deadline.label, count)
        }
        return (byStatus, overdue)
    }
}
