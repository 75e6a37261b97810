import Foundation
import MinshengModel

/// The rules the console shares with dispatch to read a work order: which statuses are open, when a
/// deadline of the current round counts as unmet (overdue), and when it is nearly due (the warning).
/// They mirror dispatch's `DeadlineTimer.Kind.pendingStatuses` and `WorkOrder.unmetDeadlines`; the
/// test that compares the screen's figures with `/v1/stats` keeps them equal.
enum OrderRules {
    /// Someone has to act on it (a unit, or the centre for held and returned orders).
    static let open: Set<WorkOrderStatus> = [.dispatched, .signed, .onSite, .reopened, .held, .returned]

    static let signPending: Set<WorkOrderStatus> = [.dispatched, .reopened]
    static let onSitePending: Set<WorkOrderStatus> = [.dispatched, .signed, .reopened]
    static let resolvePending: Set<WorkOrderStatus> = [.dispatched, .signed, .onSite, .reopened]
    static let reviewPending: Set<WorkOrderStatus> = [.held, .returned]

    /// The SQL condition (over `work_order`) of "a deadline of the current round passed and unmet at
    /// `now`", with its arguments.
    static func overdueCondition(now: Date) -> (sql: String, arguments: [String]) {
        func list(_ statuses: Set<WorkOrderStatus>) -> String { statuses.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",") }
        let at = MessageCoding.formatTimestamp(now)
        return ("""
            ((status IN (\(list(signPending))) AND sign_by <= ?) \
            OR (status IN (\(list(onSitePending))) AND on_site_by IS NOT NULL AND on_site_by <= ?) \
            OR (status IN (\(list(resolvePending))) AND resolve_by <= ?) \
            OR (status IN (\(list(reviewPending))) AND review_by IS NOT NULL AND review_by <= ?))
            """, [at, at, at, at])
    }

    /// A deadline of an order with the instant its warning comes (at `fraction` of its span).
    struct Deadline: Sendable, Equatable {
        var kind: WorkOrderUpdate.Deadline
        var due: Date
        var warningAt: Date
    }

    /// The deadlines still to meet in the order's status.
    static func pendingDeadlines(status: WorkOrderStatus, roundStartedAt: Date, signBy: Date, onSiteBy: Date?, resolveBy: Date,
                                 reviewStartedAt: Date?, reviewBy: Date?, fraction: Double) -> [Deadline] {
        func deadline(_ kind: WorkOrderUpdate.Deadline, from start: Date, to due: Date) -> Deadline {
            Deadline(kind: kind, due: due, warningAt: start.addingTimeInterval(max(0, due.timeIntervalSince(start)) * fraction))
        }
        var result: [Deadline] = []
        if signPending.contains(status) { result.append(deadline(.sign, from: roundStartedAt, to: signBy)) }
        if onSitePending.contains(status), let onSiteBy { result.append(deadline(.onSite, from: roundStartedAt, to: onSiteBy)) }
        if resolvePending.contains(status) { result.append(deadline(.resolve, from: roundStartedAt, to: resolveBy)) }
        if reviewPending.contains(status), let reviewBy { result.append(deadline(.review, from: reviewStartedAt ?? roundStartedAt, to: reviewBy)) }
        return result
    }
}
