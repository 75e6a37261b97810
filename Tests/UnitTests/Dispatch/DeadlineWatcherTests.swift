import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// Deadline timers with a hand-moved clock: warnings at 80%, overdue notices to the supervisor,
/// escalation of unsigned urgent and critical orders, closing without feedback; each timer once.
@Suite("Deadline watcher")
struct DeadlineWatcherTests {
    let fixture = try! DispatchFixture()

    func changes(_ id: String) throws -> [WorkOrderUpdate.Change] { try fixture.updates(of: id).map(\.change) }

    @Test func nothingFiresBeforeItIsDue() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        fixture.clock.advance(by: 0.8 * 7200 - 1)
        #expect(try await fixture.watcher.fireDue() == 0)
        #expect(try changes(order.workOrderId) == [.created])
    }

    @Test func aWarningAtEightyPercentThenOverdueToTheSupervisorEachOnce() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        let id = order.workOrderId
        let watcher = fixture.watcher
        fixture.clock.advance(by: 0.8 * 7200)  // 80% of the 2 h sign deadline
        #expect(try await watcher.fireDue() == 1)
        #expect(try await watcher.fireDue() == 0)  // looked at again: nothing more
        let warning = try #require(try fixture.updates(of: id).last)
        #expect(warning.change == .warning)
        #expect(warning.deadline == .sign)
        #expect(warning.supervisorUnitId == "centre")
        #expect(warning.status == .dispatched)
        #expect(warning.sequence == 2)
        fixture.clock.advance(by: 0.2 * 7200)
        #expect(try await watcher.fireDue() == 1)
        let overdue = try #require(try fixture.updates(of: id).last)
        #expect(overdue.change == .overdue)
        #expect(overdue.deadline == .sign)
        #expect(overdue.supervisorUnitId == "centre")
        #expect(try changes(id) == [.created, .warning, .overdue])  // a normal order is not escalated
        #expect(try fixture.order(id).overdue == [.sign])
        #expect(try fixture.order(id).timeline.last?.note?.contains("supervision notice to centre") == true)
    }

    @Test func signingInTimeCancelsTheSignTimers() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        fixture.clock.advance(by: 600)
        try fixture.perform(.sign(note: nil), on: order.workOrderId, as: "city-market")
        fixture.clock.advance(by: 7200)
        #expect(try await fixture.watcher.fireDue() == 0)
        #expect(try changes(order.workOrderId) == [.created, .signed])
    }

    @Test func anUnsignedUrgentVillageOrderIsEscalatedToTheTown() async throws {
        let order = try fixture.dispatch(fixture.classified("邻里纠纷升级，双方动手", category: .dispute, level: .urgent,
                                                            town: "当湖街道", village: "东湖社区"))
        // Urgent disputes start at the town; put it at the village by hand to escalate from there.
        try fixture.perform(.reassign(unitId: "danghu-donghu-grid", coUnitIds: [], note: nil), on: order.workOrderId, as: "centre")
        fixture.clock.advance(by: 30 * 60)
        #expect(try await fixture.watcher.fireDue() == 2)  // the warning and the overdue
        let updates = try fixture.updates(of: order.workOrderId)
        #expect(updates.map(\.change) == [.created, .reassigned, .warning, .overdue, .escalated])
        let escalated = try #require(updates.last)
        #expect(escalated.unitId == "danghu-team")
        #expect(escalated.previousUnitId == "danghu-donghu-grid")
        #expect(escalated.status == .dispatched)
        #expect(escalated.coUnitIds == ["danghu-donghu-grid"])
        #expect(escalated.signBy == fixture.clock.now().addingTimeInterval(30 * 60))  // a new round for the town
        #expect(updates[3].supervisorUnitId == "danghu-centre")
        let stored = try fixture.order(order.workOrderId)
        #expect(stored.round == 3)
        #expect(stored.overdue == [])
        // Not signed by the town either: on to the city department, and no further.
        fixture.clock.advance(by: 30 * 60)
        _ = try await fixture.watcher.fireDue()
        #expect(try fixture.order(order.workOrderId).unitId == "city-justice")
        fixture.clock.advance(by: 30 * 60)
        _ = try await fixture.watcher.fireDue()
        #expect(try fixture.order(order.workOrderId).unitId == "city-justice")
        #expect(try changes(order.workOrderId).filter { $0 == .escalated }.count == 2)
    }

    @Test func aCriticalOrderWarnsAboutBeingOnSite() async throws {
        let order = try fixture.dispatch(fixture.classified("起火", category: .safety, level: .critical, town: "独山港镇"))
        try fixture.perform(.sign(note: nil), on: order.workOrderId, as: order.unitId)
        fixture.clock.advance(by: 15 * 60)
        #expect(try await fixture.watcher.fireDue() == 2)
        let updates = try fixture.updates(of: order.workOrderId).suffix(2)
        #expect(updates.map(\.change) == [.warning, .overdue])
        #expect(updates.map(\.deadline) == [.onSite, .onSite])
        #expect(try fixture.order(order.workOrderId).unitId == order.unitId)  // signed: no escalation
    }

    @Test func timersThatCameDueWhileDownFireOnceInOrder() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        fixture.clock.advance(by: 30 * 86_400)  // a month later
        #expect(try await fixture.watcher.fireDue() == 4)
        let updates = try fixture.updates(of: order.workOrderId)
        #expect(updates.map(\.change) == [.created, .warning, .overdue, .warning, .overdue])
        #expect(updates.map(\.deadline) == [nil, .sign, .sign, .resolve, .resolve])
        #expect(try await fixture.watcher.fireDue() == 0)
        let fired = try await fixture.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deadline_timer WHERE fired_at IS NOT NULL")
        }
        #expect(fired == 4)
    }

    @Test func aTimerIsMarkedFiredOnlyOnce() throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        fixture.clock.advance(by: 7200)
        let now = fixture.clock.now()
        let timer = try #require(try fixture.pendingTimers(order.workOrderId).first)
        let desk = WorkOrderDesk(configuration: fixture.store.current, logger: fixture.logger)
        let first = try fixture.database.writer.write { db in try desk.fire(timer, db: db, now: now) }
        let second = try fixture.database.writer.write { db in try desk.fire(timer, db: db, now: now) }
        #expect(first == .fired)
        #expect(second == .cancelled)
        #expect(try changes(order.workOrderId) == [.created, .warning])
    }

    @Test func aResolvedOrderWithoutFeedbackIsClosedAfterThreeWorkingDays() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        try fixture.perform(.sign(note: nil), on: order.workOrderId, as: "city-market")
        try fixture.perform(.resolve(result: "已处理", note: nil), on: order.workOrderId, as: "city-market")
        // Resolved Monday 10:00: three working days end Thursday 10:00.
        fixture.clock.set(MessageCoding.parseTimestamp("2026-11-26T09:59:59+08:00")!)
        #expect(try await fixture.watcher.fireDue() == 0)
        fixture.clock.set(MessageCoding.parseTimestamp("2026-11-26T10:00:00+08:00")!)
        #expect(try await fixture.watcher.fireDue() == 1)
        let closed = try fixture.order(order.workOrderId)
        #expect(closed.status == .closed)
        #expect(closed.timeline.last?.actor == "dispatch")
        #expect(closed.timeline.last?.note == "no feedback within 3wd of the resolution")
        #expect(try fixture.updates(of: order.workOrderId).last?.change == .closed)
    }

    @Test func theRunningWatcherWakesWhenTheClockReachesATimer() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        let watcher = fixture.watcher
        let running = Task { try await watcher.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try changes(order.workOrderId) == [.created])
        fixture.clock.advance(by: 7200)
        var seen: [WorkOrderUpdate.Change] = []
        for _ in 0..<100 {
            seen = try changes(order.workOrderId)
            if seen.count == 3 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(seen == [.created, .warning, .overdue])
    }
}
