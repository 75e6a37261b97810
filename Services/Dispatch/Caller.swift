import MinshengModel

/// Who is calling the API: a handling unit, which acts only on the orders it leads (and adds progress to
/// those it co-operates on), or the command centre, which acts on all of them.
struct Caller: Sendable, Equatable {
    var unitId: String
    var isCentre: Bool
    /// The person acting for the unit, when a trusted caller (the console) named them.
    var person: ActingPerson?
    /// The trusted caller the request came through, if any (`callers.json`).
    var via: String?

    init(unit: UnitDirectory.Unit, person: ActingPerson? = nil, via: String? = nil) {
        unitId = unit.id
        isCentre = unit.tier == .centre
        self.person = person
        self.via = via
    }

    /// Whether the caller may see the order.
    func maySee(_ order: WorkOrder) -> Bool {
        isCentre || order.unitId == unitId || (order.coUnitIds ?? []).contains(unitId)
    }

    /// Refuses what the caller may not do to the order. An order the caller may not see is answered as if it
    /// did not exist (404), so that nobody learns of other units' orders; a refusal on a visible order (403)
    /// names no other unit.
    func check(_ action: WorkOrderLifecycle.Action, on order: WorkOrder) throws(WorkOrderError) {
        if isCentre { return }
        guard maySee(order) else { throw .notFound(order.workOrderId) }
        switch action {
        case .sign, .arriveOnSite, .resolve, .returnOrder:
            guard order.unitId == unitId else {
                throw .forbidden("only the lead unit or the centre can \(action.rawValue) work order \(order.workOrderId)")
            }
        case .addProgress:
            return
        case .reassign, .reopen, .recordSatisfied, .recordUnsatisfied:
            throw .forbidden("only the command centre can \(action == .reassign ? "reassign" : action == .reopen ? "reopen" : "record feedback on") a work order")
        case .release, .answer, .merge, .refuseReturn, .approveReturn:
            throw .forbidden("only the command centre can \(action.rawValue.replacingOccurrences(of: "_", with: " ")) a work order")
        case .escalate, .closeWithoutFeedback, .attachEvent:
            throw .forbidden("\(action.rawValue) is done by dispatch itself")
        }
    }
}
