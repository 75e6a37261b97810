import Foundation
import MinshengModel

/// A timer of a work order's deadline, kept in SQLite so that it survives restarts: the warning (预警,
/// yellow, at 80%) and the overdue notice (超时, red, at 100%) of each deadline, and the end of the
/// feedback period. Each fires once, or is cancelled when the order moves on before it is due.
struct DeadlineTimer: Sendable, Equatable {
    enum Kind: String, CaseIterable, Sendable {
        case signWarning = "sign_warning"
        case signOverdue = "sign_overdue"
        case onSiteWarning = "on_site_warning"
        case onSiteOverdue = "on_site_overdue"
        case resolveWarning = "resolve_warning"
        case resolveOverdue = "resolve_overdue"
        /// No feedback from the citizen within the feedback period: the resolved order is closed.
        case feedbackTimeout = "feedback_timeout"
        /// The centre's decision on a held or returned order (审核时限): the warning, then the overdue notice.
        case reviewWarning = "review_warning"
        case reviewOverdue = "review_overdue"

        /// The deadline a warning or overdue timer watches; nil for the feedback timeout.
        var deadline: WorkOrderUpdate.Deadline? {
            switch self {
            case .signWarning, .signOverdue: .sign
            case .onSiteWarning, .onSiteOverdue: .onSite
            case .resolveWarning, .resolveOverdue: .resolve
            case .reviewWarning, .reviewOverdue: .review
            case .feedbackTimeout: nil
            }
        }

        var isWarning: Bool { [.signWarning, .onSiteWarning, .resolveWarning, .reviewWarning].contains(self) }

        /// The statuses in which the deadline is still unmet; in any other the timer has nothing to say.
        var pendingStatuses: Set<WorkOrderStatus> {
            switch self {
            case .signWarning, .signOverdue: [.dispatched, .reopened]
            case .onSiteWarning, .onSiteOverdue: [.dispatched, .signed, .reopened]
            case .resolveWarning, .resolveOverdue: [.dispatched, .signed, .onSite, .reopened]
            case .feedbackTimeout: [.resolved]
            case .reviewWarning, .reviewOverdue: [.held, .returned]
            }
        }

        /// The timers that a deadline's being met (or no longer applying) cancels.
        static func watching(_ deadline: WorkOrderUpdate.Deadline) -> [Kind] {
            allCases.filter { $0.deadline == deadline }
        }
    }

    var id: Int64
    var workOrderId: String
    /// The round of handling it belongs to; a new round (reassigned, escalated, reopened) has new timers.
    var round: Int
    var kind: Kind
    /// The deadline instant it stands for (when it was deferred after downtime, the original one).
    var dueAt: Date
}
