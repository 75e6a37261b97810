import Foundation
import GRDB
import MinshengModel
import MinshengPlatform

/// The work orders' changelog (`dispatch.workorders.changelog`, docs/scaling.md): every change of an
/// order writes, after the change's `workorders.updates` message and in the same transaction, the
/// change's timeline entry, the events it added, and last the order's own record (status, deadlines,
/// timers, counter), each into the partition of the order. A record is the whole state of its key and
/// does not grow with the order's history. An instance taking the partition over rebuilds the orders,
/// their deadline timers and the partition's number counter from them.
enum WorkOrderChangelog {
    /// How many applied command ids an order's record carries.
    static let rememberedCommands = 50

    static func entryKey(_ workOrderId: String, version: Int) -> String { "\(workOrderId)#t\(version)" }
    static func eventKey(_ workOrderId: String, eventId: String) -> String { "\(workOrderId)#e\(eventId)" }

    /// Records the change just made to `order` (in memory as it now stands; its history need not be
    /// loaded): its timeline entry, the events it added (`addedEvents`), then the order itself. The first
    /// added event rides in the entry's record (an order's creation or an attachment: two records, not
    /// three); more events (a merge) get records of their own.
    static func record(_ order: WorkOrder, addedEvents: [String], db: Database, now: Date) throws {
        guard let core = try self.record(of: order, db: db, now: now) else { return }
        let topic = Topics.dispatchWorkOrdersChangelog
        var added = (order.events ?? []).filter { addedEvents.contains($0.eventId) }
        if let entry = order.timeline.last, entry.version == order.version {
            var value = WorkOrderRecord(partition: core.partition, entry: .init(
                workOrderId: order.workOrderId, unitId: order.unitId, entry: entry), recordedAt: now)
            if !added.isEmpty { value.event = .init(workOrderId: order.workOrderId, event: added.removeFirst()) }
            try Changelog.record(db, topic: topic, partition: core.partition, key: entryKey(order.workOrderId, version: entry.version),
                                 value: value, now: now)
        }
        for event in added {
            try Changelog.record(db, topic: topic, partition: core.partition, key: eventKey(order.workOrderId, eventId: event.eventId),
                                 value: WorkOrderRecord(partition: core.partition, event: .init(workOrderId: order.workOrderId, event: event),
                                                        recordedAt: now), now: now)
        }
        try Changelog.record(db, topic: topic, partition: core.partition, key: order.workOrderId, value: core, now: now)
    }

    /// The order's own record (without timeline and events) for `order` as it now stands.
    static func record(of order: WorkOrder, db: Database, now: Date) throws -> WorkOrderRecord? {
        let id = order.workOrderId
        guard let row = try Row.fetchOne(db.cached("SELECT partition, seq, police FROM work_order WHERE work_order_id = ?"),
                                         arguments: [id])
        else { return nil }
        var core = order
        core.overdue = nil
        core.timeline = []
        core.events = nil
        let timers = try Row.fetchAll(db.cached("SELECT * FROM deadline_timer WHERE work_order_id = ? ORDER BY id"),
                                      arguments: [id]).map { timer in
            WorkOrderRecord.Timer(
                kind: timer["kind"], round: timer["round"], dueAt: date(timer["due_at"]) ?? now,
                deferredFrom: date(timer["deferred_from"]), firedAt: date(timer["fired_at"]), cancelledAt: date(timer["cancelled_at"]))
        }
        let commands = try String.fetchAll(db.cached("""
            SELECT command_id FROM work_order_command WHERE work_order_id = ? ORDER BY applied_at DESC, command_id LIMIT ?
            """), arguments: [id, rememberedCommands])
        let number = WorkOrderNumber(id) ?? WorkOrderNumber(day: "00000000", partition: row["partition"], number: 0)
        return WorkOrderRecord(
            partition: row["partition"], seq: row["seq"], day: number.day, number: number.number, police: row["police"],
            order: core, timers: timers, commandIds: commands.isEmpty ? nil : commands, recordedAt: now)
    }

    /// The order's own record as stored here.
    static func record(of workOrderId: String, db: Database, now: Date) throws -> WorkOrderRecord? {
        guard let order = try WorkOrderStore.find(id: workOrderId, db: db, now: now, history: false) else { return nil }
        return try record(of: order, db: db, now: now)
    }

    /// Applies a record to the local store. The order's record replaces what is stored unless that is as
    /// new or newer (a late re-send changes nothing), and the partition's counter never goes back; an
    /// entry is the latest written for its version; an event moves to another order only from one that
    /// was held or merged away (并案), never back.
    ///
    /// An entry or event record of an order not stored yet (a new order's first entry: its order's record
    /// comes right after it in the partition) waits in `work_order_waiting_record` until the order's record
    /// is restored, in this transaction or a later one. Whoever reads the changelog in batches (a restore,
    /// the read model) may end a transaction between the two; without the wait, the commit would fail on
    /// the foreign key, and a restore that reads the same batches again would fail the same way for ever.
    static func restore(_ record: WorkOrderRecord, db: Database) throws {
        if record.order == nil, let id = record.entry?.workOrderId ?? record.event?.workOrderId,
           try Int.fetchOne(db.cached("SELECT 1 FROM work_order WHERE work_order_id = ?"), arguments: [id]) == nil {
            try db.run("INSERT INTO work_order_waiting_record (work_order_id, payload, waiting_since) VALUES (?, ?, ?)",
                       [id, Data(try MessageCoding.encode(record)), WorkOrderStore.ts(Date())])
            return
        }
        try restoreRows(record, db: db)
        guard let id = record.order?.workOrderId else { return }
        let waiting = try Row.fetchAll(db.cached("SELECT id, payload FROM work_order_waiting_record WHERE work_order_id = ? ORDER BY id"),
                                       arguments: [id])
        guard !waiting.isEmpty else { return }
        for row in waiting { try restoreRows(try MessageCoding.decode(WorkOrderRecord.self, from: Array(row["payload"] as Data)), db: db) }
        try db.run("DELETE FROM work_order_waiting_record WHERE work_order_id = ?", [id])
    }

    private static func restoreRows(_ record: WorkOrderRecord, db: Database) throws {
        // Rows are replaced while others still point at them: checked at the commit.
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        if let entry = record.entry {
            try db.run("""
                INSERT OR REPLACE INTO work_order_timeline (work_order_id, version, at, actor, change, note, unit_id, person_id, person_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [entry.workOrderId, entry.entry.version, WorkOrderStore.ts(entry.entry.at), entry.entry.actor, entry.entry.change,
                      entry.entry.note, entry.unitId, entry.entry.person?.id, entry.entry.person?.name])
        }
        if let attached = record.event {
            let event = attached.event
            try db.run("""
                INSERT INTO work_order_event (event_id, work_order_id, source, source_id, text, address, reporter_name,
                    reporter_phone, occurred_at, attached_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_id) DO UPDATE SET work_order_id = excluded.work_order_id, attached_at = excluded.attached_at
                WHERE COALESCE((SELECT status FROM work_order WHERE work_order_id = work_order_event.work_order_id), 'held')
                      IN ('held', 'merged')
                """, [event.eventId, attached.workOrderId, event.source.rawValue, event.sourceId, event.text, event.address,
                      event.reporter?.name, event.reporter?.phone, WorkOrderStore.ts(event.occurredAt), WorkOrderStore.ts(event.attachedAt)])
        }
        guard let order = record.order, let seq = record.seq else { return }
        let id = order.workOrderId
        if let day = record.day, let number = record.number {
            try db.run("""
                INSERT INTO work_order_counter (partition, day, last) VALUES (?, ?, ?)
                ON CONFLICT (partition, day) DO UPDATE SET last = MAX(last, excluded.last)
                """, [record.partition, day, number])
        }
        if let stored = try Int.fetchOne(db.cached("SELECT version FROM work_order WHERE work_order_id = ?"), arguments: [id]) {
            guard stored < order.version else { return }
            try WorkOrderStore.correct(order, db: db)
        } else {
            try WorkOrderStore.insertRow(order, seq: seq, partition: record.partition, police: record.police ?? false, db: db)
        }
        try WorkOrderStore.update(order, db: db)
        try db.run("DELETE FROM deadline_timer WHERE work_order_id = ?", [id])
        for timer in record.timers ?? [] {
            try db.run("""
                INSERT OR REPLACE INTO deadline_timer (work_order_id, round, kind, due_at, deferred_from, fired_at, cancelled_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [id, timer.round, timer.kind, WorkOrderStore.ts(timer.dueAt), timer.deferredFrom.map(WorkOrderStore.ts),
                      timer.firedAt.map(WorkOrderStore.ts), timer.cancelledAt.map(WorkOrderStore.ts)])
        }
        for command in record.commandIds ?? [] {
            try db.run("INSERT OR IGNORE INTO work_order_command (command_id, work_order_id, applied_at) VALUES (?, ?, ?)",
                       [command, id, WorkOrderStore.ts(record.recordedAt)])
        }
    }

    /// Once per database: writes the record of every order made before dispatch was partitioned (they
    /// were never recorded), so that whoever owns their partition (0) later has them. A database that
    /// starts empty (a new instance) has nothing to write and only notes that it is done.
    @discardableResult
    static func backfillIfNeeded(db: Database, now: Date) throws -> Int {
        guard try String.fetchOne(db, sql: "SELECT at FROM dispatch_clock WHERE name = 'changelog_backfill'") == nil else { return 0 }
        let ids = try String.fetchAll(db, sql: """
            SELECT work_order_id FROM work_order WHERE work_order_id NOT GLOB 'WO[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-*-*'
            ORDER BY seq
            """)
        for id in ids {
            guard let order = try WorkOrderStore.find(id: id, db: db, now: now) else { continue }
            try backfill(order, db: db, now: now)
        }
        try db.execute(sql: "INSERT INTO dispatch_clock (name, at) VALUES ('changelog_backfill', ?)", arguments: [WorkOrderStore.ts(now)])
        return ids.count
    }

    /// Every record of an order: each timeline entry, each event, the order.
    private static func backfill(_ order: WorkOrder, db: Database, now: Date) throws {
        guard let core = try record(of: order, db: db, now: now) else { return }
        let topic = Topics.dispatchWorkOrdersChangelog
        let units = try Row.fetchAll(db, sql: "SELECT version, unit_id FROM work_order_timeline WHERE work_order_id = ?",
                                     arguments: [order.workOrderId])
        var unitByVersion: [Int: String] = [:]
        for unit in units { unitByVersion[unit["version"]] = unit["unit_id"] }
        for entry in order.timeline {
            try Changelog.record(db, topic: topic, partition: core.partition, key: entryKey(order.workOrderId, version: entry.version),
                                 value: WorkOrderRecord(partition: core.partition, entry: .init(
                                    workOrderId: order.workOrderId, unitId: unitByVersion[entry.version] ?? order.unitId, entry: entry),
                                    recordedAt: now), now: now)
        }
        for event in order.events ?? [] {
            try Changelog.record(db, topic: topic, partition: core.partition, key: eventKey(order.workOrderId, eventId: event.eventId),
                                 value: WorkOrderRecord(partition: core.partition, event: .init(workOrderId: order.workOrderId, event: event),
                                                        recordedAt: now), now: now)
        }
        try Changelog.record(db, topic: topic, partition: core.partition, key: order.workOrderId, value: core, now: now)
    }

    private static func date(_ text: String?) -> Date? { text.flatMap(MessageCoding.parseTimestamp) }
}
