import Foundation
import GRDB
import MinshengModel
import MinshengPlatform

/// The work orders' changelog (`dispatch.workorders.changelog`, docs/scaling.md): after every change of
/// an order its whole record goes to the partition of the order, in the same transaction, after the
/// change's `workorders.updates` message; an instance taking the partition over rebuilds the order, its
/// deadline timers and the partition's number counter from it.
enum WorkOrderChangelog {
    /// How many applied command ids an order's record carries.
    static let rememberedCommands = 50

    /// Records the order `workOrderId` as it now stands in the caller's transaction.
    static func record(_ workOrderId: String, db: Database, now: Date) throws {
        guard let record = try self.record(of: workOrderId, db: db, now: now) else { return }
        try Changelog.record(db, topic: Topics.dispatchWorkOrdersChangelog, partition: record.partition,
                             key: workOrderId, value: record, now: now)
    }

    /// The full record of the order, as stored here.
    static func record(of workOrderId: String, db: Database, now: Date) throws -> WorkOrderRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT partition, seq, police FROM work_order WHERE work_order_id = ?",
                                         arguments: [workOrderId]),
              var order = try WorkOrderStore.find(id: workOrderId, db: db, now: now)
        else { return nil }
        order.overdue = nil
        let units = try Row.fetchAll(db, sql: "SELECT version, unit_id FROM work_order_timeline WHERE work_order_id = ?",
                                     arguments: [workOrderId])
        var unitByVersion: [Int: String] = [:]
        for unit in units { unitByVersion[unit["version"]] = unit["unit_id"] }
        let timers = try Row.fetchAll(db, sql: "SELECT * FROM deadline_timer WHERE work_order_id = ? ORDER BY id",
                                      arguments: [workOrderId]).map { timer in
            WorkOrderRecord.Timer(
                kind: timer["kind"], round: timer["round"], dueAt: date(timer["due_at"]) ?? now,
                deferredFrom: date(timer["deferred_from"]), firedAt: date(timer["fired_at"]), cancelledAt: date(timer["cancelled_at"]))
        }
        let commands = try String.fetchAll(db, sql: """
            SELECT command_id FROM work_order_command WHERE work_order_id = ? ORDER BY applied_at DESC, command_id LIMIT ?
            """, arguments: [workOrderId, rememberedCommands])
        let number = WorkOrderNumber(workOrderId) ?? WorkOrderNumber(day: "00000000", partition: row["partition"], number: 0)
        return WorkOrderRecord(
            partition: row["partition"], seq: row["seq"], day: number.day, number: number.number, police: row["police"],
            order: order, timelineUnitIds: order.timeline.map { unitByVersion[$0.version] ?? order.unitId }, timers: timers,
            commandIds: commands.isEmpty ? nil : commands, recordedAt: now)
    }

    /// Applies a record to the local store: the order is replaced by the record unless what is stored
    /// is as new or newer (a late re-send changes nothing); the partition's counter never goes back.
    static func restore(_ record: WorkOrderRecord, db: Database) throws {
        let order = record.order
        let id = order.workOrderId
        try db.execute(sql: """
            INSERT INTO work_order_counter (partition, day, last) VALUES (?, ?, ?)
            ON CONFLICT (partition, day) DO UPDATE SET last = MAX(last, excluded.last)
            """, arguments: [record.partition, record.day, record.number])
        if let stored = try Int.fetchOne(db, sql: "SELECT version FROM work_order WHERE work_order_id = ?", arguments: [id]),
           stored >= order.version { return }
        // The order's row is replaced while its events still point at it: checked at the commit.
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        try db.execute(sql: "DELETE FROM work_order_timeline WHERE work_order_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM work_order_co_unit WHERE work_order_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM deadline_timer WHERE work_order_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM work_order WHERE work_order_id = ?", arguments: [id])
        // Events that left the order (merged into another) go; those it has are its own, but a held
        // order (the one merged away) never takes an event back from the order it joined.
        let events = order.events ?? []
        try db.execute(sql: """
            DELETE FROM work_order_event WHERE work_order_id = ? AND event_id NOT IN (SELECT value FROM json_each(?))
            """, arguments: [id, String(decoding: try JSONEncoder().encode(events.map(\.eventId)), as: UTF8.self)])
        try WorkOrderStore.insertRow(order, seq: record.seq, partition: record.partition, police: record.police, db: db)
        try WorkOrderStore.update(order, db: db)
        for event in events {
            try db.execute(sql: """
                INSERT INTO work_order_event (event_id, work_order_id, source, source_id, text, address, reporter_name,
                    reporter_phone, occurred_at, attached_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_id) DO UPDATE SET work_order_id = excluded.work_order_id WHERE ?
                """, arguments: [event.eventId, id, event.source.rawValue, event.sourceId, event.text, event.address,
                                 event.reporter?.name, event.reporter?.phone, WorkOrderStore.ts(event.occurredAt),
                                 WorkOrderStore.ts(event.attachedAt), order.status != .held])
        }
        for (index, entry) in order.timeline.enumerated() {
            let unit = record.timelineUnitIds.indices.contains(index) ? record.timelineUnitIds[index] : order.unitId
            try WorkOrderStore.appendTimeline(entry, to: id, unitId: unit, db: db)
        }
        for timer in record.timers {
            try db.execute(sql: """
                INSERT OR REPLACE INTO deadline_timer (work_order_id, round, kind, due_at, deferred_from, fired_at, cancelled_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, timer.round, timer.kind, WorkOrderStore.ts(timer.dueAt), timer.deferredFrom.map(WorkOrderStore.ts),
                                 timer.firedAt.map(WorkOrderStore.ts), timer.cancelledAt.map(WorkOrderStore.ts)])
        }
        for command in record.commandIds ?? [] {
            try db.execute(sql: "INSERT OR IGNORE INTO work_order_command (command_id, work_order_id, applied_at) VALUES (?, ?, ?)",
                           arguments: [command, id, WorkOrderStore.ts(record.recordedAt)])
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
        for id in ids { try record(id, db: db, now: now) }
        try db.execute(sql: "INSERT INTO dispatch_clock (name, at) VALUES ('changelog_backfill', ?)", arguments: [WorkOrderStore.ts(now)])
        return ids.count
    }

    private static func date(_ text: String?) -> Date? { text.flatMap(MessageCoding.parseTimestamp) }
}
