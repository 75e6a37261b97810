import Foundation
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// The work order's life through the desk the API uses: who may do what, what each change writes
/// (status, timeline, timers, the message), and the refusals.
@Suite("Work-order desk: actions, permissions, messages")
struct WorkOrderDeskTests {
    let fixture = try! DispatchFixture()

    func market() throws -> WorkOrder {
        try fixture.dispatch(fixture.classified("梅湾停车场乱收费", category: .market, level: .normal, town: "当湖街道"))
    }

    @Test func theWholeLifeWritesOneTimelineEntryAndOneMessagePerChange() throws {
        let order = try market()
        let id = order.workOrderId
        #expect(order.unitId == "city-market")
        fixture.clock.advance(by: 600)
        var after = try fixture.perform(.sign(note: "已签收"), on: id, as: "city-market")
        #expect(after.status == .signed)
        #expect(after.signedAt == fixture.clock.now())
        #expect(try fixture.pendingTimers(id).map(\.kind) == [.resolveWarning, .resolveOverdue])
        fixture.clock.advance(by: 600)
        after = try fixture.perform(.arriveOnSite(note: nil), on: id, as: "city-market")
        #expect(after.status == .onSite)
        after = try fixture.perform(.addProgress(note: "已约谈停车场经营者"), on: id, as: "city-market")
        #expect(after.status == .onSite)
        fixture.clock.advance(by: 3600)
        after = try fixture.perform(.resolve(result: "已责令退还多收费用并立案调查", note: nil), on: id, as: "city-market")
        #expect(after.status == .resolved)
        #expect(after.result == "已责令退还多收费用并立案调查")
        #expect(try fixture.pendingTimers(id).map(\.kind) == [.feedbackTimeout])
        after = try fixture.perform(.recordFeedback(satisfied: true, comment: "处理很快"), on: id, as: "centre")
        #expect(after.status == .closed)
        #expect(after.feedback?.satisfied == true)
        #expect(try fixture.pendingTimers(id).isEmpty)

        let updates = try fixture.updates(of: id)
        #expect(updates.map(\.change) == [.created, .signed, .onSite, .progress, .resolved, .closed])
        #expect(updates.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(updates.map(\.status) == [.dispatched, .signed, .onSite, .onSite, .resolved, .closed])
        #expect(updates.map(\.actor) == ["dispatch", "city-market", "city-market", "city-market", "city-market", "centre"])
        #expect(updates.allSatisfy { $0.eventId == order.eventId && $0.unitName == "平湖市市场监督管理局" })
        #expect(updates[1].note == "已签收")
        #expect(updates[2].note == nil)
        #expect(updates[3].note == "已约谈停车场经营者")
        #expect(updates[4].result == "已责令退还多收费用并立案调查")
        #expect(updates[5].feedback == .init(satisfied: true, comment: "处理很快"))
        let stored = try fixture.order(id)
        #expect(stored.version == 6)
        #expect(stored.timeline.map(\.version) == [1, 2, 3, 4, 5, 6])
        #expect(stored.timeline.map(\.change) == ["created", "signed", "on_site", "progress", "resolved", "closed"])
        #expect(stored.timeline[2].note == nil)
        #expect(stored.timeline[5].note == "citizen satisfied: 处理很快")
    }

    @Test func aUnitActsOnlyOnItsOwnOrders() throws {
        let order = try market()
        let error = #expect(throws: WorkOrderError.self) {
            try fixture.perform(.sign(note: nil), on: order.workOrderId, as: "danghu-team")
        }
        // Another unit's order is answered as if it did not exist, naming nobody.
        #expect(error == .notFound(order.workOrderId))
        #expect(try fixture.updates(of: order.workOrderId).count == 1)  // nothing written
    }

    @Test func onlyTheCentreReassignsRecordsFeedbackAndReopens() throws {
        let order = try market()
        for command in [WorkOrderDesk.Command.reassign(unitId: "city-urban", coUnitIds: nil, note: nil),
                        .recordFeedback(satisfied: false, comment: nil), .reopen(reason: "x")] {
            #expect(throws: WorkOrderError.self) { try fixture.perform(command, on: order.workOrderId, as: "city-market") }
        }
        // The centre acts on every order, even signing for a unit that phoned in.
        #expect(try fixture.perform(.sign(note: "电话签收"), on: order.workOrderId, as: "centre").status == .signed)
    }

    @Test func coOperatingUnitsAddProgressButDoNotSign() throws {
        let order = try fixture.dispatch(fixture.classified("工人讨薪", category: .labor, level: .urgent, town: "新仓镇"))
        #expect(throws: WorkOrderError.self) { try fixture.perform(.sign(note: nil), on: order.workOrderId, as: "city-hrss") }
        try fixture.perform(.sign(note: nil), on: order.workOrderId, as: "xincang-team")
        let after = try fixture.perform(.addProgress(note: "劳动监察已介入"), on: order.workOrderId, as: "city-hrss")
        #expect(after.timeline.last?.actor == "city-hrss")
    }

    @Test func anIllegalTransitionIsRefusedAndWritesNothing() throws {
        let order = try market()
        let error = #expect(throws: WorkOrderError.self) {
            try fixture.perform(.resolve(result: "done", note: nil), on: order.workOrderId, as: "city-market")
        }
        #expect(error == .illegalTransition(IllegalTransition(action: .resolve, status: .dispatched)))
        #expect(try fixture.order(order.workOrderId).version == 1)
        #expect(try fixture.updates(of: order.workOrderId).count == 1)
    }

    @Test func anUnknownOrderIsNotFound() {
        #expect(throws: WorkOrderError.notFound("WO20990101-000001")) {
            try fixture.perform(.sign(note: nil), on: "WO20990101-000001", as: "centre")
        }
    }

    @Test func aReturnedOrderWaitsForTheCentreWithTheRulesProposal() throws {
        let order = try fixture.dispatch(fixture.classified("占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        #expect(order.unitId == "danghu-team")
        fixture.clock.advance(by: 60)
        let after = try fixture.perform(.returnOrder(reason: "属执法局职责"), on: order.workOrderId, as: "danghu-team")
        // Not re-routed silently: it waits for the centre, which is told and has a review deadline.
        #expect(after.status == .returned)
        #expect(after.unitId == "danghu-team")
        #expect(after.round == 1)
        #expect(after.reviewBy == fixture.clock.now().addingTimeInterval(3600))
        let updates = try fixture.updates(of: order.workOrderId)
        #expect(updates.map(\.change) == [.created, .returned])
        #expect(updates[1].reason == "属执法局职责")
        #expect(updates[1].status == .returned)
        #expect(updates[1].unitId == "danghu-team")
        #expect(updates[1].supervisorUnitId == "centre")
        #expect(updates[1].proposedUnitId == "city-urban")
        #expect(updates[1].reviewBy == after.reviewBy)
        #expect(try fixture.pendingTimers(order.workOrderId).map(\.kind) == [.reviewWarning, .reviewOverdue])
        // The centre approves the proposal: a new round for the city bureau.
        fixture.clock.advance(by: 600)
        let approved = try fixture.perform(.approveReturn(unitId: nil, coUnitIds: nil, note: "同意"), on: order.workOrderId, as: "centre")
        #expect(approved.status == .dispatched)
        #expect(approved.unitId == "city-urban")
        #expect(approved.round == 2)
        #expect(approved.reviewBy == nil)
        #expect(approved.signBy == fixture.clock.now().addingTimeInterval(2 * 3600))
        var last = try #require(try fixture.updates(of: order.workOrderId).last)
        #expect(last.change == .reassigned)
        #expect(last.previousUnitId == "danghu-team")
        #expect(last.actor == "centre")
        #expect(last.reason == "return approved by the centre")
        #expect(try fixture.pendingTimers(order.workOrderId).allSatisfy { $0.round == 2 && $0.kind != .reviewOverdue })
        // The city bureau returns it too: the rules have no one left, so there is no proposal.
        let waiting = try fixture.perform(.returnOrder(reason: "不属于执法范围"), on: order.workOrderId, as: "city-urban")
        #expect(waiting.status == .returned)
        #expect(try fixture.updates(of: order.workOrderId).last?.proposedUnitId == nil)
        #expect(throws: WorkOrderError.invalidField(field: "unitId", message: "the routing rules give no other unit: name one in unitId")) {
            try fixture.perform(.approveReturn(unitId: nil, coUnitIds: nil, note: nil), on: order.workOrderId, as: "centre")
        }
        // The centre reassigns it by hand, with a co-operating unit.
        let reassigned = try fixture.perform(.reassign(unitId: "danghu-team", coUnitIds: ["city-urban"], note: "联合处置"),
                                             on: order.workOrderId, as: "centre")
        #expect(reassigned.status == .dispatched)
        #expect(reassigned.unitId == "danghu-team")
        #expect(reassigned.coUnitIds == ["city-urban"])
        #expect(reassigned.round == 3)
        last = try #require(try fixture.updates(of: order.workOrderId).last)
        #expect(last.change == .reassigned)
        #expect(last.previousUnitId == "city-urban")
        #expect(last.coUnitIds == ["city-urban"])
        #expect(last.actor == "centre")
        #expect(last.note == "联合处置")
        #expect(last.reason == nil)
    }

    @Test func reassigningToAnUnknownUnitNamesTheField() throws {
        let order = try market()
        #expect(throws: WorkOrderError.invalidField(field: "unitId", message: "city-nowhere is not a unit in units.json")) {
            try fixture.perform(.reassign(unitId: "city-nowhere", coUnitIds: nil, note: nil), on: order.workOrderId, as: "centre")
        }
    }

    @Test func anUnsatisfiedCitizenReopensTheOrderForAnotherRound() throws {
        let order = try market()
        let id = order.workOrderId
        try fixture.perform(.sign(note: nil), on: id, as: "city-market")
        try fixture.perform(.resolve(result: "已处理", note: nil), on: id, as: "city-market")
        fixture.clock.advance(by: 86_400)
        let reopened = try fixture.perform(.recordFeedback(satisfied: false, comment: "还在乱收费"), on: id, as: "centre")
        #expect(reopened.status == .reopened)
        #expect(reopened.round == 2)
        #expect(reopened.result == nil)
        #expect(reopened.resolvedAt == nil)
        #expect(reopened.feedback?.satisfied == false)
        #expect(reopened.signBy == fixture.clock.now().addingTimeInterval(2 * 3600))
        #expect(try fixture.pendingTimers(id).map(\.kind) == [.signWarning, .signOverdue, .resolveWarning, .resolveOverdue])
        let update = try #require(try fixture.updates(of: id).last)
        #expect(update.change == .reopened)
        #expect(update.feedback == .init(satisfied: false, comment: "还在乱收费"))
        // Signed and resolved again, then closed by the centre after the citizen is happy.
        try fixture.perform(.sign(note: nil), on: id, as: "city-market")
        try fixture.perform(.resolve(result: "已立案处罚", note: nil), on: id, as: "city-market")
        try fixture.perform(.recordFeedback(satisfied: true, comment: nil), on: id, as: "centre")
        // A closed order can still be reopened by the centre.
        let again = try fixture.perform(.reopen(reason: "市民再次来电"), on: id, as: "centre")
        #expect(again.status == .reopened)
        #expect(again.closedAt == nil)
        #expect(try fixture.updates(of: id).map(\.change)
                == [.created, .signed, .resolved, .reopened, .signed, .resolved, .closed, .reopened])
    }
}
