import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// Work-order numbers without a scan, attached reports found by their sender's id, unreadable timers
/// set aside, and the grace after downtime.
@Suite("Dispatch: numbering, lookups, timers after downtime")
struct DispatchHardeningTests {
    let fixture = try! DispatchFixture()

    @Test func numbersCountFromOneEachDayOfTheCentre() throws {
        let first = try fixture.dispatch(fixture.classified("a", category: .market, level: .normal, town: nil))
        let second = try fixture.dispatch(fixture.classified("b", category: .market, level: .normal, town: nil))
        #expect(first.workOrderId == "WO20261123-0-000001")
        #expect(second.workOrderId == "WO20261123-0-000002")
        // 23:59:59 in China is still the same day; a second later a new day starts at 000001.
        fixture.clock.set(MessageCoding.parseTimestamp("2026-11-23T23:59:59+08:00")!)
        #expect(try fixture.dispatch(fixture.classified("c", category: .market, level: .normal, town: nil)).workOrderId
                == "WO20261123-0-000003")
        fixture.clock.set(MessageCoding.parseTimestamp("2026-11-24T00:00:00+08:00")!)
        #expect(try fixture.dispatch(fixture.classified("d", category: .market, level: .normal, town: nil)).workOrderId
                == "WO20261124-0-000001")
    }

    @Test func theNumberDoesNotCountOrdersOfTheDay() throws {
        // A removed or renumbered order does not make the next number repeat an earlier one.
        let first = try fixture.dispatch(fixture.classified("a", category: .market, level: .normal, town: nil))
        try fixture.database.writer.write { db in
            for table in ["deadline_timer", "work_order_timeline", "work_order_event", "work_order_co_unit", "work_order"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE work_order_id = ?", arguments: [first.workOrderId])
            }
        }
        let second = try fixture.dispatch(fixture.classified("b", category: .market, level: .normal, town: nil))
        #expect(second.workOrderId == "WO20261123-0-000002")
    }

    @Test func anAttachedReportIsFoundByItsSendersId() throws {
        let original = fixture.classified("小区门口路灯坏了一个星期", category: .utilities, level: .normal, town: "当湖街道")
        let order = try fixture.dispatch(original)
        var repeatReport = fixture.classified("小区门口的路灯还是不亮", source: .web, category: .utilities, level: .normal,
                                              town: "当湖街道", duplicateOf: original.eventId, reporter: "李先生")
        repeatReport.sourceId = "wq-20261123-0099"
        try fixture.deliver(repeatReport, offset: 1)
        let now = fixture.clock.now()
        for (source, sourceId) in [(Source.web, "wq-20261123-0099"), (Source.hotline12345, original.sourceId)] {
            var query = WorkOrderQuery()
            query.source = source
            query.sourceId = sourceId
            let found = try fixture.database.writer.read { db in try WorkOrderStore.list(query, db: db, now: now).items }
            #expect(found.map(\.workOrderId) == [order.workOrderId], "\(source.rawValue) \(sourceId)")
        }
        var bySourceIdOnly = WorkOrderQuery()
        bySourceIdOnly.sourceId = "wq-20261123-0099"
        let found = try fixture.database.writer.read { db in try WorkOrderStore.list(bySourceIdOnly, db: db, now: now).items }
        #expect(found.map(\.workOrderId) == [order.workOrderId])
    }

    @Test func anUnreadableTimerIsSetAsideNotSpunOn() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        try await fixture.database.writer.write { db in
            try db.execute(sql: "INSERT INTO deadline_timer (work_order_id, round, kind, due_at) VALUES (?, 1, 'bogus', ?)",
                           arguments: [order.workOrderId, MessageCoding.formatTimestamp(fixture.clock.now())])
        }
        #expect(try await fixture.watcher.fireDue() == 0)
        let (pendingBogus, next) = try await fixture.database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deadline_timer WHERE kind = 'bogus' AND cancelled_at IS NULL") ?? -1,
             try DeadlineTimerStore.nextDueAt(db: db))
        }
        #expect(pendingBogus == 0)
        // The next due timer is a real one, in the future: the watcher sleeps rather than spins.
        #expect((next ?? .distantPast) > fixture.clock.now())
    }

    @Test func overdueTimersThatCameDueWhileDownFireAfterTheGraceWarningsAtOnce() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .urgent, town: nil))
        let id = order.workOrderId
        // The watcher ran, then dispatch was down for two hours, past the urgent 30 min sign deadline.
        try await fixture.watcher.giveBackDowntime()
        try await fixture.database.writer.write { [now = fixture.clock.now()] db in
            try DeadlineTimerStore.noteWatcherAlive(at: now, db: db)
        }
        fixture.clock.advance(by: 7200)
        let watcher = fixture.watcher
        try await watcher.giveBackDowntime()
        #expect(try await watcher.fireDue() == 1)
        #expect(try fixture.updates(of: id).map(\.change) == [.created, .warning])
        // Ten minutes of grace (less than the downtime): then the overdue notice and the escalation.
        fixture.clock.advance(by: 599)
        #expect(try await watcher.fireDue() == 0)
        fixture.clock.advance(by: 1)
        #expect(try await watcher.fireDue() == 1)
        let overdue = try #require(try fixture.updates(of: id).first { $0.change == .overdue })
        // The notice names the real deadline, not the deferred firing time.
        #expect(try fixture.order(id).timeline.contains {
            $0.change == "overdue" && $0.note?.contains(MessageCoding.formatTimestamp(order.signBy)) == true
        })
        #expect(overdue.deadline == .sign)
    }

    @Test func aShortRestartDefersOnlyByItsOwnLength() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .urgent, town: nil))
        fixture.clock.advance(by: 1795)  // five seconds before the sign deadline
        try await fixture.database.writer.write { [now = fixture.clock.now()] db in
            try DeadlineTimerStore.noteWatcherAlive(at: now, db: db)
        }
        fixture.clock.advance(by: 10)  // down for ten seconds across the deadline
        let watcher = fixture.watcher
        try await watcher.giveBackDowntime()
        _ = try await watcher.fireDue()
        #expect(!(try fixture.updates(of: order.workOrderId).contains { $0.change == .overdue }))
        fixture.clock.advance(by: 10)
        _ = try await watcher.fireDue()
        #expect(try fixture.updates(of: order.workOrderId).contains { $0.change == .overdue })
    }
}
