import MinshengModel
import Testing
@testable import MinshengDispatch

/// Every action against every status: the legal moves (written out here independently of the table)
/// lead where they should, and every other pair is refused with a message naming what is allowed.
@Suite("Work-order state machine")
struct WorkOrderLifecycleTests {
    typealias Action = WorkOrderLifecycle.Action

    /// The legal moves, as the issue describes them.
    static let legal: [Action: [WorkOrderStatus: WorkOrderStatus]] = [
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
        // The centre's review (issue 11): a held report is released, answered or merged; a return is
        // approved or refused.
        .release: [.held: .dispatched],
        .answer: [.held: .closed],
        .merge: [.held: .merged],
        .approveReturn: [.returned: .dispatched],
        .refuseReturn: [.returned: .dispatched],
    ]

    static let pairs: [(Action, WorkOrderStatus)] = Action.allCases.flatMap { action in
        WorkOrderStatus.allCases.map { (action, $0) }
    }

    @Test(arguments: pairs)
    func everyActionInEveryStatus(action: Action, status: WorkOrderStatus) throws {
        if let expected = Self.legal[action]?[status] {
            #expect(try WorkOrderLifecycle.next(after: action, from: status) == expected)
        } else {
            let error = #expect(throws: IllegalTransition.self) { try WorkOrderLifecycle.next(after: action, from: status) }
            #expect(error == IllegalTransition(action: action, status: status))
            #expect(error?.description.contains("that is \(status.rawValue)") == true)
        }
    }

    @Test func theTableHasNoMovesBeyondTheLegalOnes() {
        for action in Action.allCases {
            #expect(WorkOrderLifecycle.table[action] ?? [:] == Self.legal[action] ?? [:], "\(action)")
        }
    }

    @Test func aClosedOrderTakesNothingButReopen() {
        let allowed = Action.allCases.filter { (try? WorkOrderLifecycle.next(after: $0, from: .closed)) != nil }
        #expect(allowed == [.reopen])
    }

    @Test func aMergedReportTakesNothing() {
        #expect(Action.allCases.filter { (try? WorkOrderLifecycle.next(after: $0, from: .merged)) != nil }.isEmpty)
    }

    @Test func aHeldReportTakesOnlyTheCentresReviewAndRepeats() {
        let allowed = Action.allCases.filter { (try? WorkOrderLifecycle.next(after: $0, from: .held)) != nil }
        #expect(Set(allowed) == [.release, .answer, .merge, .attachEvent])
    }

    @Test func theMainLineRunsFromDispatchedToClosed() throws {
        var status = WorkOrderStatus.dispatched
        for action in [Action.sign, .arriveOnSite, .addProgress, .resolve, .recordSatisfied] {
            status = try WorkOrderLifecycle.next(after: action, from: status)
        }
        #expect(status == .closed)
    }

    @Test func theRefusalNamesTheStatusesWhereTheActionIsAllowed() {
        let error = IllegalTransition(action: .resolve, status: .dispatched)
        #expect(error.description == "cannot resolve a work order that is dispatched (allowed when: signed, on_site)")
    }
}
