import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// The centre's review (issue 11) in dispatch: what is held before dispatch and how it is released,
/// answered or merged; returns that wait for the centre with a notice and a deadline (issue 13), and
/// are approved or refused; hotspot tasks; the person behind each change.
@Suite("Dispatch: the centre's review")
struct ReviewDeskTests {
    let fixture = try! DispatchFixture()
    let staff = ActingPerson(id: "zhang.wei", name: "张伟")

    /// A classified event as classification would send it, with the review flags set.
    func event(
        _ text: String, category: Category = .other, level: Level = .normal, town: String? = "当湖街道", village: String? = nil,
        requestType: RequestType? = nil, needsReview: Bool? = nil, duplicateOf: String? = nil
    ) -> ClassifiedEvent {
        var accepted = TestSupport.accepted(text, requestType: requestType)
        accepted.reporter = Reporter(name: "陈阿姨", phone: "13900000003")
        return ClassifiedEvent(
            accepted: accepted, category: category, level: level, police: false, shuangfei: false, town: town, village: village,
            grid: nil, confidence: needsReview == true ? 0.38 : 0.9, explanation: "test", duplicateOf: duplicateOf,
            needsReview: needsReview, classifiedAt: fixture.clock.now())
    }

    /// What the console does: the centre's unit with a person.
    func centre() -> Caller { Caller(unit: fixture.store.current.units.unit(id: "centre")!, person: staff, via: "console") }

    @discardableResult
    func perform(_ command: WorkOrderDesk.Command, on id: String, by caller: Caller) throws -> WorkOrder {
        let now = fixture.clock.now()
        let desk = WorkOrderDesk(configuration: fixture.store.current, logger: fixture.logger)
        return try fixture.database.writer.write { db in try desk.perform(command, on: id, by: caller, db: db, now: now) }
    }

    // MARK: Held

    @Test func anUnsureEventAConsultationAndPraiseAreHeldButNotACriticalOneNorAComplaint() throws {
        let unsure = try fixture.dispatch(event("地下车库顶上一直渗水", needsReview: true))
        let consult = try fixture.dispatch(event("高龄补贴怎么申领", category: .socialSecurity, level: .low, requestType: .consult))
        let praise = try fixture.dispatch(event("感谢社区网格员帮忙", level: .low, requestType: .praise))
        let critical = try fixture.dispatch(event("有人被困电梯，呼吸困难", category: .safety, level: .critical, needsReview: true))
        let complaint = try fixture.dispatch(event("三港路占道经营", category: .urbanManagement, requestType: .complaint))
        #expect([unsure, consult, praise].allSatisfy { $0.status == .held && $0.unitId == "centre" && $0.round == 0 })
        #expect(critical.status == .dispatched)
        #expect(complaint.status == .dispatched)
        #expect(unsure.reviewBy == fixture.clock.now().addingTimeInterval(3600))  // normal: 1 h
        #expect(consult.reviewBy == fixture.clock.now().addingTimeInterval(4 * 3600))  // low: 4 h
        let held = try #require(try fixture.updates(of: unsure.workOrderId).first)
        #expect(held.change == .held)
        #expect(held.status == .held)
        #expect(held.actor == "dispatch")
        #expect(held.round == 0)
        #expect(held.reviewBy == unsure.reviewBy)
        #expect(held.note?.contains("the classifier is unsure") == true)
        #expect(try fixture.updates(of: consult.workOrderId).first?.note == "held for review: request type consult")
        #expect(try fixture.pendingTimers(unsure.workOrderId).map(\.kind) == [.reviewWarning, .reviewOverdue])
    }

    @Test func aRepeatOfAHeldReportIsAttachedToIt() throws {
        let first = event("地下车库渗水", needsReview: true)
        let held = try fixture.dispatch(first)
        let again = try fixture.dispatch(event("地下车库还在渗水", duplicateOf: first.eventId))
        #expect(again.workOrderId == held.workOrderId)
        #expect(again.events?.count == 2)
        #expect(try fixture.order(held.workOrderId).status == .held)
    }

    @Test func theCentreReleasesAHeldReportWithItsCorrectionsAndThePersonIsRecorded() throws {
        let held = try fixture.dispatch(event("地下车库顶上一直渗水，物业不管", needsReview: true))
        fixture.clock.advance(by: 600)
        let correction = WorkOrderDesk.Correction(category: .housing, level: .urgent, town: "当湖街道", village: "东湖社区")
        let released = try perform(.release(correction, unitId: nil, coUnitIds: nil, note: "已核实"), on: held.workOrderId, by: centre())
        #expect(released.status == .dispatched)
        #expect(released.category == .housing)
        #expect(released.level == .urgent)
        #expect(released.village == "东湖社区")
        #expect(released.round == 1)
        #expect(released.reviewBy == nil)
        #expect(released.unitId != "centre")
        #expect(released.signBy == fixture.clock.now().addingTimeInterval(30 * 60))  // urgent: 30 min, from the release
        let stored = try fixture.order(held.workOrderId)
        #expect(stored.category == .housing)
        #expect(stored.dispatchedAt == held.dispatchedAt)
        let entry = try #require(stored.timeline.last)
        #expect(entry.change == "released")
        #expect(entry.actor == "centre")
        #expect(entry.person == staff)
        #expect(entry.note?.contains("category other→housing") == true)
        #expect(entry.note?.contains("level normal→urgent") == true)
        let message = try #require(try fixture.updates(of: held.workOrderId).last)
        #expect(message.change == .released)
        #expect(message.person == staff)
        #expect(message.round == 1)
        #expect(message.roundStartedAt == fixture.clock.now())
        #expect(message.dispatchedAt == held.dispatchedAt)
        #expect(try fixture.pendingTimers(held.workOrderId).allSatisfy { $0.round == 1 && $0.kind != .reviewOverdue })
    }

    @Test func releasingToANamedUnitOrAPlaceOutsideTheRegion() throws {
        let held = try fixture.dispatch(event("咨询事项", level: .low, requestType: .consult))
        #expect(throws: WorkOrderError.invalidField(field: "town", message: "火星镇 is not a town in region.json")) {
            try perform(.release(.init(town: "火星镇"), unitId: nil, coUnitIds: nil, note: nil), on: held.workOrderId, by: centre())
        }
        #expect(throws: WorkOrderError.invalidField(field: "unitId", message: "centre is not a handling unit in units.json")) {
            try perform(.release(.none, unitId: "centre", coUnitIds: nil, note: nil), on: held.workOrderId, by: centre())
        }
        #expect(try fixture.order(held.workOrderId).status == .held)
        let released = try perform(.release(.none, unitId: "city-civil", coUnitIds: ["danghu-team"], note: nil), on: held.workOrderId,
                                   by: centre())
        #expect(released.unitId == "city-civil")
        #expect(released.coUnitIds == ["danghu-team"])
        // A unit cannot release: the review is the centre's.
        let other = try fixture.dispatch(event("又一个咨询", level: .low, requestType: .consult))
        #expect(throws: WorkOrderError.self) {
            try fixture.perform(.release(.none, unitId: "city-civil", coUnitIds: nil, note: nil), on: other.workOrderId, as: "danghu-team")
        }
    }

    @Test func aConsultationAnsweredOnTheSpotIsClosedAndCountsAsHandled() throws {
        let held = try fixture.dispatch(event("高龄补贴怎么申领", category: .other, level: .low, requestType: .consult))
        fixture.clock.advance(by: 120)
        let answered = try perform(.answer(.init(category: .socialSecurity), answer: "持身份证到社区服务站申请"), on: held.workOrderId,
                                   by: centre())
        #expect(answered.status == .closed)
        #expect(answered.result == "持身份证到社区服务站申请")
        #expect(answered.resolvedAt == fixture.clock.now())
        #expect(answered.closedAt == fixture.clock.now())
        #expect(answered.category == .socialSecurity)
        #expect(try fixture.pendingTimers(held.workOrderId).isEmpty)
        let message = try #require(try fixture.updates(of: held.workOrderId).last)
        #expect(message.change == .answered)
        #expect(message.result == "持身份证到社区服务站申请")
        let stats = try stats()
        #expect(stats.byStatus["closed"] == 1)
        #expect(stats.closureRate == 1)
        #expect(stats.onTimeResolveRate == 1)
    }

    @Test func aHeldReportMergedIntoAnOpenOrderMovesThereAndIsNotCounted() throws {
        let open = try fixture.dispatch(event("三港路占道经营", category: .urbanManagement, requestType: .complaint))
        let held = try fixture.dispatch(event("三港路又有人摆摊", needsReview: true))
        fixture.clock.advance(by: 60)
        #expect(throws: WorkOrderError.invalidField(field: "into", message: "a work order cannot be merged into itself")) {
            try perform(.merge(into: held.workOrderId, note: nil), on: held.workOrderId, by: centre())
        }
        let merged = try perform(.merge(into: open.workOrderId, note: "同一事项"), on: held.workOrderId, by: centre())
        #expect(merged.status == .merged)
        #expect(merged.mergedInto == open.workOrderId)
        #expect(merged.events?.isEmpty == true)
        let target = try fixture.order(open.workOrderId)
        #expect(target.events?.map(\.eventId) == [open.eventId, held.eventId])
        let attached = try #require(try fixture.updates(of: open.workOrderId).last)
        #expect(attached.change == .attached)
        #expect(attached.attachedEvent?.eventId == held.eventId)
        #expect(attached.person == staff)
        #expect(try fixture.updates(of: held.workOrderId).last?.mergedInto == open.workOrderId)
        let stats = try stats()
        #expect(stats.total == 1)
        #expect(stats.byStatus["merged"] == 0)
        // A closed order takes no more reports.
        let other = try fixture.dispatch(event("再一次反映", needsReview: true))
        try fixture.perform(.sign(note: nil), on: open.workOrderId, as: open.unitId)
        try fixture.perform(.resolve(result: "已处理", note: nil), on: open.workOrderId, as: open.unitId)
        try fixture.perform(.recordFeedback(satisfied: true, comment: nil), on: open.workOrderId, as: "centre")
        #expect(throws: WorkOrderError.illegalTransition(IllegalTransition(action: .attachEvent, status: .closed))) {
            try perform(.merge(into: open.workOrderId, note: nil), on: other.workOrderId, by: centre())
        }
    }

    @Test func aHeldReportNotReviewedInTimeIsOverdueWithANoticeToTheCentre() async throws {
        let held = try fixture.dispatch(event("地下车库渗水", needsReview: true))
        fixture.clock.advance(by: 0.8 * 3600)
        #expect(try await fixture.watcher.fireDue() == 1)
        fixture.clock.advance(by: 0.2 * 3600)
        #expect(try await fixture.watcher.fireDue() == 1)
        let updates = try fixture.updates(of: held.workOrderId)
        #expect(updates.map(\.change) == [.held, .warning, .overdue])
        #expect(updates.last?.deadline == .review)
        #expect(updates.last?.supervisorUnitId == "centre")
        #expect(try fixture.order(held.workOrderId).overdue == [.review])
        var query = WorkOrderQuery()
        query.overdue = true
        let scoped = query
        let now = fixture.clock.now()
        let overdue = try await fixture.database.writer.read { db in try WorkOrderStore.list(scoped, db: db, now: now).items }
        #expect(overdue.map(\.workOrderId) == [held.workOrderId])
    }

    // MARK: Returns (issue 13: a return waiting at the centre has a notice, a timer, and is overdue)

    @Test func aReturnWaitingAtTheCentreWarnsThenIsOverdue() async throws {
        let order = try fixture.dispatch(fixture.classified("占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        fixture.clock.advance(by: 60)
        try fixture.perform(.returnOrder(reason: "属执法局职责"), on: order.workOrderId, as: "danghu-team")
        fixture.clock.advance(by: 3600)
        #expect(try await fixture.watcher.fireDue() == 2)
        let updates = try fixture.updates(of: order.workOrderId)
        #expect(updates.map(\.change) == [.created, .returned, .warning, .overdue])
        #expect(updates[1].supervisorUnitId == "centre")
        #expect(updates[3].deadline == .review)
        #expect(updates[3].supervisorUnitId == "centre")
        #expect(updates[3].status == .returned)
        #expect(try fixture.order(order.workOrderId).overdue == [.review])
        #expect(try stats().overdueNow == 1)
    }

    @Test func aRefusedReturnGoesBackToTheUnitWithTheDeadlinesItHad() async throws {
        let order = try fixture.dispatch(fixture.classified("占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        fixture.clock.advance(by: 600)
        try fixture.perform(.sign(note: nil), on: order.workOrderId, as: "danghu-team")
        try fixture.perform(.returnOrder(reason: "不归我们"), on: order.workOrderId, as: "danghu-team")
        fixture.clock.advance(by: 1200)
        let back = try perform(.refuseReturn(note: "属地管理，请继续办理"), on: order.workOrderId, by: centre())
        #expect(back.status == .signed)
        #expect(back.unitId == "danghu-team")
        #expect(back.round == 2)
        #expect(back.signBy == order.signBy)
        #expect(back.resolveBy == order.resolveBy)
        #expect(back.roundStartedAt == order.roundStartedAt)
        #expect(back.signedAt != nil)
        #expect(back.reviewBy == nil)
        let message = try #require(try fixture.updates(of: order.workOrderId).last)
        #expect(message.change == .returnRefused)
        #expect(message.status == .signed)
        #expect(message.note == "属地管理，请继续办理")
        #expect(message.person == staff)
        let timers = try fixture.pendingTimers(order.workOrderId)
        #expect(timers.allSatisfy { $0.round == 2 })
        #expect(Set(timers.map(\.kind)) == [.resolveWarning, .resolveOverdue])
        #expect(timers.first { $0.kind == .resolveOverdue }?.dueAt == order.resolveBy)
        // The unit can go on: resolve it.
        #expect(try fixture.perform(.resolve(result: "已处理", note: nil), on: order.workOrderId, as: "danghu-team").status == .resolved)
    }

    @Test func anUnsignedReturnRefusedAfterItsSignDeadlineIsOverdueAtOnce() async throws {
        let order = try fixture.dispatch(fixture.classified("占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        try fixture.perform(.returnOrder(reason: "不归我们"), on: order.workOrderId, as: "danghu-team")
        fixture.clock.advance(by: 3 * 3600)  // past the 2 h sign deadline
        let back = try perform(.refuseReturn(note: "请签收办理"), on: order.workOrderId, by: centre())
        #expect(back.status == .dispatched)
        #expect(back.overdue == [.sign])
        #expect(try await fixture.watcher.fireDue() == 1)
        #expect(try fixture.updates(of: order.workOrderId).last?.change == .overdue)
    }

    @Test func aSecondReturnInTheSameRoundHasItsReviewTimersAgain() async throws {
        let order = try fixture.dispatch(fixture.classified("占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        try fixture.perform(.returnOrder(reason: "不归我们"), on: order.workOrderId, as: "danghu-team")
        try perform(.refuseReturn(note: "请办理"), on: order.workOrderId, by: centre())
        try fixture.perform(.returnOrder(reason: "确实不归我们"), on: order.workOrderId, as: "danghu-team")
        #expect(Set(try fixture.pendingTimers(order.workOrderId).map(\.kind)) == [.reviewWarning, .reviewOverdue])
    }

    // MARK: Hotspot tasks

    @Test func aHotspotBecomesATaskOnceWithItsUnitsAndDeadline() throws {
        let task = WorkOrderDesk.HotspotTask(
            alertId: "hs-test-1", source: .hotline12345, category: .market, level: .normal, town: "当湖街道", village: nil,
            text: "【未诉先办】三港路停车乱收费", unitId: "danghu-team", coUnitIds: ["city-market"],
            resolveBy: fixture.clock.now().addingTimeInterval(7 * 86_400), note: nil)
        let now = fixture.clock.now()
        let desk = WorkOrderDesk(configuration: fixture.store.current, logger: fixture.logger)
        let order = try fixture.database.writer.write { db in try desk.createTask(task, by: centre(), db: db, now: now) }
        #expect(order.hotspotAlertId == "hs-test-1")
        #expect(order.eventId == "hs-test-1")
        #expect(order.unitId == "danghu-team")
        #expect(order.coUnitIds == ["city-market"])
        #expect(order.resolveBy == now.addingTimeInterval(7 * 86_400))
        let message = try #require(try fixture.updates(of: order.workOrderId).first)
        #expect(message.change == .created)
        #expect(message.hotspotAlertId == "hs-test-1")
        #expect(message.person == staff)
        #expect(message.actor == "centre")
        #expect(try fixture.pendingTimers(order.workOrderId).first { $0.kind == .resolveOverdue }?.dueAt == task.resolveBy)
        #expect(throws: WorkOrderError.conflict("hotspot hs-test-1 is already work order \(order.workOrderId)")) {
            try fixture.database.writer.write { db in try desk.createTask(task, by: centre(), db: db, now: now) }
        }
    }

    func stats() throws -> WorkOrderStats {
        var query = WorkOrderQuery()
        query.from = fixture.clock.now().addingTimeInterval(-30 * 86_400)
        query.to = fixture.clock.now().addingTimeInterval(1)
        let scoped = query
        let now = fixture.clock.now()
        return try fixture.database.writer.read { db in try WorkOrderStats.compute(scoped, db: db, now: now) }
    }
}
