import MinshengModel

/// The work order's state machine (工单流转): which action is allowed in which status and the status it
/// leads to. One table, so every legal move is written down once and everything else is refused.
///
/// The main line is dispatched → signed → on_site (optional) → resolved → closed. Beside it: a unit
/// returns an order that is not theirs (returned, then reassigned); the centre reassigns; an unsigned
/// urgent or critical order is escalated to the next tier up; a citizen who is not satisfied reopens it
/// (reopened, to be signed again). Reassigning and escalating hand the order to another unit, which must
/// sign it: the status goes back to dispatched, with a new round of deadlines. Before all that, the
/// centre may hold a report for review (held): it then releases it to a unit, answers it on the spot
/// (closed), or merges it into another order (merged). A returned order waits for the centre, which
/// reassigns it or sends it back.
enum WorkOrderLifecycle {
    /// Something a unit, the centre or dispatch itself does to a work order.
    enum Action: String, CaseIterable, Sendable {
        /// 签收: the unit accepts the order.
        case sign
        /// 到场: the unit is on site.
        case arriveOnSite = "on_site"
        /// 进展: a note on what is being done; the status stays.
        case addProgress = "progress"
        /// 办结: handled, with a result text.
        case resolve
        /// 退回: the unit says it is not theirs, with a reason.
        case returnOrder = "return"
        /// 改派: the centre (or the routing rules, after a return) sends it to another unit.
        case reassign
        /// 升级: an unsigned urgent or critical order goes to the next tier up.
        case escalate
        /// 回访满意: the citizen is satisfied; the order is closed.
        case recordSatisfied = "feedback_satisfied"
        /// 回访不满意: the citizen is not satisfied; the order is handled again.
        case recordUnsatisfied = "feedback_unsatisfied"
        /// 重办: the centre reopens a resolved or closed order.
        case reopen
        /// 自动结案: no feedback within the feedback period.
        case closeWithoutFeedback = "close_without_feedback"
        /// 并案: a repeat report of the same matter is attached; the status stays.
        case attachEvent = "attach_event"
        /// 审核派发: the centre releases a held order to a unit.
        case release
        /// 即时办结: the centre answers a held consultation on the spot and closes it.
        case answer
        /// 并案: the centre merges a held report into another open order.
        case merge
        /// 退回驳回: the centre sends a returned order back to the unit that returned it. Back to `signed`
        /// when that unit had signed for it (the desk decides), else `dispatched`.
        case refuseReturn = "refuse_return"
        /// 退回审核同意: the centre approves a return and hands the order to another unit.
        case approveReturn = "approve_return"
    }

    /// A status whose order is still someone's to handle (not resolved, closed or returned).
    static let open: Set<WorkOrderStatus> = [.dispatched, .signed, .onSite, .reopened]

    /// The whole table: action → (status before → status after). Anything not listed is illegal.
    static let table: [Action: [WorkOrderStatus: WorkOrderStatus]] = [
        .sign: [.dispatched: .signed, .reopened: .signed],
        .arriveOnSite: [.signed: .onSite],
        .addProgress: [.signed: .signed, .onSite: .onSite],
        .resolve: [.signed: .resolved, .onSite: .resolved],
        .returnOrder: [.dispatched: .returned, .signed: .returned],
        .reassign: [.dispatched: .dispatched, .signed: .dispatched, .onSite: .dispatched, .returned: .dispatched,
                    .reopened: .dispatched],
        .escalate: [.dispatched: .dispatched, .reopened: .dispatched],
        .recordSatisfied: [.resolved: .closed],
        .recordUnsatisfied: [.resolved: .reopened],
        .reopen: [.resolved: .reopened, .closed: .reopened],
        .closeWithoutFeedback: [.resolved: .closed],
        .attachEvent: [.dispatched: .dispatched, .signed: .signed, .onSite: .onSite, .resolved: .resolved,
                       .returned: .returned, .reopened: .reopened, .held: .held],
        .release: [.held: .dispatched],
        .answer: [.held: .closed],
        .merge: [.held: .merged],
        .refuseReturn: [.returned: .dispatched],
        .approveReturn: [.returned: .dispatched],
    ]

    /// The status after `action`, or why it is refused.
    static func next(after action: Action, from status: WorkOrderStatus) throws(IllegalTransition) -> WorkOrderStatus {
        guard let next = table[action]?[status] else { throw IllegalTransition(action: action, status: status) }
        return next
    }

    /// The statuses `action` is allowed from, in declaration order (for error messages).
    static func allowedStatuses(for action: Action) -> [WorkOrderStatus] {
        WorkOrderStatus.allCases.filter { table[action]?[$0] != nil }
    }
}

/// An action the work order's status does not allow (HTTP 409).
struct IllegalTransition: Error, Equatable, CustomStringConvertible {
    var action: WorkOrderLifecycle.Action
    var status: WorkOrderStatus

    var description: String {
        let allowed = WorkOrderLifecycle.allowedStatuses(for: action).map(\.rawValue).joined(separator: ", ")
        return "cannot \(action.rawValue) a work order that is \(status.rawValue) (allowed when: \(allowed))"
    }
}
