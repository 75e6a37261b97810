import Foundation
import GRDB
import MinshengModel
import Testing
@testable import MinshengDispatch

/// `dispatch-v2` on a database that already has work orders from `dispatch-v1`.
@Suite("Dispatch migrations")
struct DispatchMigrationTests {
    @Test func ordersFromBeforeTheLifecycleGetTheirEventsRoundsAndTimers() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        DispatchMigrations.register(&migrator)
        try migrator.migrate(queue, upTo: "dispatch-v1")
        try queue.write { db in
            for (id, status) in [("WO20261123-000001", "dispatched"), ("WO20261123-000002", "signed")] {
                try db.execute(sql: """
                    INSERT INTO work_order (work_order_id, seq, event_id, source, source_id, category, level, unit_id, status,
                        text, occurred_at, dispatched_at, sign_by, resolve_by, version)
                    VALUES (?, ?, ?, 'hotline12345', 's', 'market', 'normal', 'city-market', ?, '乱收费',
                        '2026-11-23T01:00:00.000Z', '2026-11-23T02:00:00.000Z', '2026-11-23T04:00:00.000Z',
                        '2026-11-30T02:00:00.000Z', 1)
                    """, arguments: [id, id.hasSuffix("1") ? 1 : 2, "ev-\(id)", status])
                try db.execute(sql: """
                    INSERT INTO work_order_timeline (work_order_id, version, at, actor, change) VALUES (?, 1, '2026-11-23T02:00:00.000Z', 'dispatch', 'created')
                    """, arguments: [id])
            }
        }
        try migrator.migrate(queue)
        let now = MessageCoding.parseTimestamp("2026-11-23T02:00:00Z")!
        try queue.read { db in
            let order = try #require(try WorkOrderStore.find(id: "WO20261123-000001", db: db, now: now))
            #expect(order.round == 1)
            #expect(order.roundStartedAt == order.dispatchedAt)
            #expect(order.events?.map(\.eventId) == ["ev-WO20261123-000001"])
            #expect(order.coUnitIds == [])
            let timers = try DeadlineTimerStore.pending(workOrderId: "WO20261123-000001", db: db)
            #expect(timers.map(\.kind) == [.signWarning, .signOverdue, .resolveWarning, .resolveOverdue])
            // 80% of the 2 h sign deadline after 02:00 is 03:36; of the 7 days to resolve, 5.6 days.
            #expect(timers.map { MessageCoding.formatTimestamp($0.dueAt) } == [
                "2026-11-23T03:36:00.000Z", "2026-11-23T04:00:00.000Z", "2026-11-28T16:24:00.000Z", "2026-11-30T02:00:00.000Z",
            ])
            // Only orders still waiting for their unit get timers.
            #expect(try DeadlineTimerStore.pending(workOrderId: "WO20261123-000002", db: db).isEmpty)
            #expect(try WorkOrderStore.workOrderId(containing: "ev-WO20261123-000002", db: db) == "WO20261123-000002")
            let unitIds = try String.fetchAll(db, sql: "SELECT unit_id FROM work_order_timeline")
            #expect(unitIds == ["city-market", "city-market"])
        }
    }
}
