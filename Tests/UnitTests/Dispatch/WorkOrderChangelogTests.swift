import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// Dispatch's partitioned state (docs/scaling.md): every change writes the order's whole record to the
/// changelog after its update; another instance with an empty disk rebuilds the order, its timers and the
/// partition's number counter from the records; a late, older record changes nothing.
@Suite("Dispatch: work-order changelog and restore")
struct WorkOrderChangelogTests {
    let fixture = try! DispatchFixture()

    /// The changelog records in the outbox, oldest first, with their target partition.
    func records() throws -> [(partition: Int32?, key: String, record: WorkOrderRecord)] {
        try fixture.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT target_partition, message_key, payload FROM outbox WHERE topic = ? ORDER BY id",
                             arguments: [Topics.dispatchWorkOrdersChangelog]).map {
                ($0["target_partition"], $0["message_key"],
                 try MessageCoding.decode(WorkOrderRecord.self, from: Array($0["payload"] as Data)))
            }
        }
    }

    /// Delivers `event` on `partition` of events.classified, to the fixture's database or `database`.
    func deliver(_ event: ClassifiedEvent, partition: Int32, offset: Int64 = 0, into database: (any DatabaseWriter)? = nil) throws {
        let message = KafkaMessage(topic: Topics.eventsClassified, partition: partition, offset: offset,
                                   key: Array(event.eventId.utf8), value: try MessageCoding.encode(event))
        let now = fixture.clock.now()
        try (database ?? fixture.database.writer).write { db in try fixture.handler.handle(message, db: db, now: now) }
    }

    /// A street-light order on `partition`, made by a first report, and a second report of it attached.
    func orderWithARepeat(partition: Int32) throws -> (id: String, first: ClassifiedEvent, repeated: ClassifiedEvent) {
        let first = fixture.classified("路灯不亮", category: .urbanManagement, level: .normal, town: "当湖街道")
        try deliver(first, partition: partition)
        let id = try fixture.database.writer.read { db in try #require(try WorkOrderStore.workOrderId(containing: first.eventId, db: db)) }
        let repeated = fixture.classified("路灯还是不亮", category: .urbanManagement, level: .normal, town: "当湖街道",
                                          duplicateOf: first.eventId, reporter: "李先生")
        try deliver(repeated, partition: partition)
        return (id, first, repeated)
    }

    @Test func everyChangeRecordsItsEntryEventsAndTheOrderAfterItsUpdateInItsPartition() throws {
        let event = fixture.classified("三港路占道经营", category: .urbanManagement, level: .normal, town: "当湖街道")
        try deliver(event, partition: 4)
        let id = try fixture.database.writer.read { db in try #require(try WorkOrderStore.workOrderId(containing: event.eventId, db: db)) }
        #expect(id == "WO20261123-4-000001")
        let order = try fixture.order(id)
        fixture.clock.advance(by: 60)
        try fixture.perform(.sign(note: "收到"), on: id, as: order.unitId)
        let written = try records()
        #expect(written.allSatisfy { $0.partition == 4 })
        // The order's first event rides in its first entry's record.
        #expect(written.map(\.key) == ["\(id)#t1", id, "\(id)#t2", id])
        let orders = written.compactMap(\.record.order)
        #expect(orders.map(\.version) == [1, 2])
        let last = try #require(written.last?.record)
        #expect(last.order?.status == .signed)
        // The order's record does not carry its history: entries and events are records of their own.
        #expect(last.order?.timeline.isEmpty == true && last.order?.events == nil)
        #expect(written[2].record.entry?.entry.change == "signed" && written[2].record.entry?.unitId == order.unitId)
        #expect(written[0].record.entry?.entry.change == "created" && written[0].record.event?.event.eventId == event.eventId)
        #expect(written[2].record.event == nil)
        #expect(last.day == "20261123" && last.number == 1 && last.partition == 4)
        // The sign timers are cancelled, the resolve timers still pending.
        #expect(last.timers?.filter { $0.cancelledAt != nil }.map(\.kind).sorted() == ["sign_overdue", "sign_warning"])
        #expect(last.timers?.contains { $0.kind == "resolve_overdue" && $0.cancelledAt == nil && $0.firedAt == nil } == true)
        // Outputs first: each change's records come after its update.
        let topics = try fixture.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT topic FROM outbox WHERE topic IN (?, ?) ORDER BY id",
                                arguments: [Topics.workOrderUpdates, Topics.dispatchWorkOrdersChangelog])
        }
        let (u, c) = (Topics.workOrderUpdates, Topics.dispatchWorkOrdersChangelog)
        #expect(topics == [u, c, c, u, c, c])
    }

    @Test func anEmptyDiskRebuildsOrdersTimersAndTheCounterAndIgnoresOlderRecords() throws {
        let (id, _, _) = try orderWithARepeat(partition: 2)
        try fixture.perform(.returnOrder(reason: "不归我们管"), on: id, as: try fixture.order(id).unitId)
        let written = try records().map(\.record)
        #expect(written.compactMap(\.order?.version) == [1, 2, 3])
        let firstOrder = try #require(written.first { $0.order != nil })

        // A new instance: every record restored, the oldest one last (a late re-send).
        let replacement = try ServiceDatabase.inMemory(migrations: DispatchMigrations.register)
        try replacement.writer.write { db in
            for record in written + [firstOrder] { try WorkOrderChangelog.restore(record, db: db) }
        }
        let now = fixture.clock.now()
        let (restored, original) = try replacement.writer.read { db in
            (try WorkOrderStore.find(id: id, db: db, now: now), try fixture.database.writer.read { try WorkOrderStore.find(id: id, db: $0, now: now) })
        }
        #expect(restored == original)
        #expect(restored?.status == .returned && restored?.events?.count == 2)
        let timers = { (database: any DatabaseWriter) in
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT kind, round, due_at, fired_at, cancelled_at FROM deadline_timer ORDER BY kind, round")
                    .map { "\($0["kind"] as String)/\($0["round"] as Int)/\($0["due_at"] as String)/\($0["fired_at"] as String? ?? "-")/\($0["cancelled_at"] as String? ?? "-")" }
            }
        }
        #expect(try timers(replacement.writer) == (try timers(fixture.database.writer)))
        // The units that returned it are known there too (re-routing skips them).
        #expect(try replacement.writer.read { try WorkOrderStore.unitsThatReturned(id, db: $0) }
                == (try fixture.database.writer.read { try WorkOrderStore.unitsThatReturned(id, db: $0) }))
        // The partition's counter goes on after the restored number, not from 1.
        let next = try replacement.writer.write { db in try WorkOrderStore.nextIdentity(db, partition: 2, now: now) }
        #expect(next.id == "WO20261123-2-000002")
        #expect(next.seq > firstOrder.seq ?? .max)
    }

    /// A reader of the changelog commits in batches of its own size: one may end between a new order's
    /// first entry and the order's record. Every record in a transaction of its own restores the same
    /// orders as all in one (the entry waits for its order instead of failing the commit on the foreign key).
    @Test func recordsRestoredOneTransactionEachGiveTheSameOrders() throws {
        let first = fixture.classified("路灯不亮", category: .urbanManagement, level: .normal, town: "当湖街道")
        try deliver(first, partition: 1)
        let id = try fixture.database.writer.read { db in try #require(try WorkOrderStore.workOrderId(containing: first.eventId, db: db)) }
        try deliver(fixture.classified("路灯还是不亮", category: .urbanManagement, level: .normal, town: "当湖街道",
                                       duplicateOf: first.eventId, reporter: "李先生"), partition: 1)
        try fixture.perform(.sign(note: "收到"), on: id, as: try fixture.order(id).unitId)
        try deliver(fixture.classified("小区门口垃圾没人清", category: .urbanManagement, level: .normal, town: "当湖街道"), partition: 1)
        let written = try records().map(\.record)
        #expect(written.first?.order == nil && written.first?.entry != nil, "the first record is an entry, before its order")

        let replacement = try ServiceDatabase.inMemory(migrations: DispatchMigrations.register)
        for record in written {
            try replacement.writer.write { db in try WorkOrderChangelog.restore(record, db: db) }
        }
        let now = fixture.clock.now()
        let ids = try fixture.database.writer.read { db in try String.fetchAll(db, sql: "SELECT work_order_id FROM work_order ORDER BY seq") }
        #expect(ids.count == 2)
        for orderId in ids {
            let restored = try replacement.writer.read { db in try WorkOrderStore.find(id: orderId, db: db, now: now) }
            let original = try fixture.database.writer.read { db in try WorkOrderStore.find(id: orderId, db: db, now: now) }
            #expect(restored != nil && restored == original, "\(orderId) differs after a restore one record at a time")
        }
        #expect(try replacement.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM work_order_waiting_record") } == 0)
    }

    /// A writer killed between a change's entry record and its order record leaves a restore with the entry
    /// (version 2, the repeat attached) and the order at version 1. The repeat delivered again is already
    /// attached; the next repeat becomes version 3, not a second version 2 (which failed the timeline's key and
    /// dead-lettered the event, seen in a whole-suite run).
    @Test func aRestoreMissingAChangesOrderRecordDoesNotReuseItsVersion() throws {
        let (id, first, repeated) = try orderWithARepeat(partition: 3)
        let written = try records().map(\.record)
        #expect(written.last?.order?.version == 2)

        let replacement = try ServiceDatabase.inMemory(migrations: DispatchMigrations.register)
        try replacement.writer.write { db in
            for record in written.dropLast() { try WorkOrderChangelog.restore(record, db: db) }
        }
        try deliver(repeated, partition: 3, offset: 1, into: replacement.writer)
        let third = fixture.classified("路灯一直不亮，晚上走路很危险", category: .urbanManagement, level: .normal, town: "当湖街道",
                                       duplicateOf: first.eventId, reporter: "王女士")
        try deliver(third, partition: 3, offset: 2, into: replacement.writer)
        let now = fixture.clock.now()
        let order = try #require(try replacement.writer.read { db in try WorkOrderStore.find(id: id, db: db, now: now) })
        #expect(order.timeline.map(\.version) == [1, 2, 3])
        #expect(order.version == 3)
        #expect(Set(order.events?.map(\.eventId) ?? []) == [first.eventId, repeated.eventId, third.eventId])
    }

    /// A record whose order's record never comes waits until the record retention has passed, then goes;
    /// dispatch's retention rules run against its schema.
    @Test func aRecordWaitingForAnOrderThatNeverComesGoesAfterTheRecordRetention() async throws {
        let database = try ServiceDatabase.inMemory(migrations: DispatchMigrations.register)
        let entry = WorkOrder.TimelineEntry(version: 1, at: Date(), actor: "dispatch", change: "created", note: nil, person: nil)
        try await database.writer.write { db in
            for id in ["WO20261123-1-000001", "WO20261123-1-000002"] {
                try WorkOrderChangelog.restore(WorkOrderRecord(partition: 1, entry: .init(workOrderId: id, unitId: "u", entry: entry),
                                                               recordedAt: Date()), db: db)
            }
            try db.execute(sql: "UPDATE work_order_waiting_record SET waiting_since = '2026-01-01T00:00:00.000Z' WHERE work_order_id LIKE '%1'")
        }
        let sweeper = RetentionSweeper(database: database.writer, rules: DispatchService.retentionRules(records: .seconds(90 * 86_400)),
                                       logger: Logger(label: "test"))
        let deleted = try await sweeper.sweep(now: Date())
        #expect(deleted["work_order_waiting_record"] == 1)
        let left = try await database.writer.read { db in try String.fetchAll(db, sql: "SELECT work_order_id FROM work_order_waiting_record") }
        #expect(left == ["WO20261123-1-000002"])
    }

    @Test func ordersFromBeforePartitioningAreWrittenToTheChangelogOnce() throws {
        // An order numbered the old way (as dispatch-v4 left it), and a new one.
        let old = try fixture.dispatch(fixture.classified("路灯不亮", category: .urbanManagement, level: .normal, town: "当湖街道"))
        try fixture.database.writer.write { db in
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            for table in ["work_order", "work_order_timeline", "work_order_event", "deadline_timer"] {
                try db.execute(sql: "UPDATE \(table) SET work_order_id = 'WO20261120-000042' WHERE work_order_id = ?",
                               arguments: [old.workOrderId])
            }
            try db.execute(sql: "DELETE FROM outbox")
        }
        try fixture.dispatch(fixture.classified("下水道堵了", category: .urbanManagement, level: .normal, town: "当湖街道"))
        let now = fixture.clock.now()
        #expect(try fixture.database.writer.write { db in try WorkOrderChangelog.backfillIfNeeded(db: db, now: now) } == 1)
        #expect(try fixture.database.writer.write { db in try WorkOrderChangelog.backfillIfNeeded(db: db, now: now) } == 0)
        let backfilled = try records().filter { $0.key.hasPrefix("WO20261120-000042") }
        #expect(backfilled.map(\.key).sorted() == ["WO20261120-000042", "WO20261120-000042#e\(old.eventId)", "WO20261120-000042#t1"])
        let order = try #require(backfilled.first { $0.key == "WO20261120-000042" })
        #expect(order.partition == 0 && order.record.number == 42 && order.record.day == "20261120")
    }

    @Test func numbersOfDifferentPartitionsNeverMeetAndOldNumbersReadAsPartitionZero() throws {
        #expect(WorkOrderNumber("WO20261123-5-000012") == WorkOrderNumber(day: "20261123", partition: 5, number: 12))
        #expect(WorkOrderNumber("WO20261123-000012") == WorkOrderNumber(day: "20261123", partition: 0, number: 12))
        for bad in ["WO2026112-000001", "WO20261123", "XX20261123-000001", "WO20261123-a-000001", "WO20261123-1-2-3", "WO20261123--1"] {
            #expect(WorkOrderNumber(bad) == nil, "\(bad)")
        }
        let now = fixture.clock.now()
        let ids = try fixture.database.writer.write { db in
            try [0, 1, 0, 1].map { try WorkOrderStore.nextIdentity(db, partition: Int32($0), now: now) }
        }
        #expect(ids.map(\.id) == ["WO20261123-0-000001", "WO20261123-1-000001", "WO20261123-0-000002", "WO20261123-1-000002"])
        // The place in listings keeps the partition in it, so two partitions never give the same one.
        #expect(ids.map { $0.seq % 64 } == [0, 1, 0, 1])
    }
}
