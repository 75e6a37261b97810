import Foundation
import GRDB
import MinshengModel

/// Reads and writes work orders in dispatch's database. Every function runs inside the caller's
/// transaction; the `WorkOrderDesk` decides what to write.
enum WorkOrderStore {
    /// The identity of a new work order of partition `partition` (docs/messages.md): `WO<date>-<p>-<n>`,
    /// `n` counting from 1 each day of the command centre (UTC+8) in each partition, so that the owners
    /// of different partitions never give the same number and need not agree on anything. The counter is
    /// part of the partition's state (each order's record carries its number). `seq` orders work orders
    /// newest first, the same on every instance: the dispatch time in milliseconds, times 64, plus the
    /// partition (at most 64 partitions), and always above the partition's last.
    static func nextIdentity(_ db: Database, partition: Int32, now: Date) throws -> (id: String, seq: Int64) {
        let candidate = Int64((now.timeIntervalSince1970 * 1000).rounded(.down)) * 64 + Int64(partition)
        let last = try Int64.fetchOne(db.cached("SELECT MAX(seq) FROM work_order WHERE partition = ?"), arguments: [partition])
        let seq = max(candidate, (last ?? 0) + 64)
        let date = WorkOrderNumber.day(of: now)
        let number = try Int.fetchOne(db.cached("""
            INSERT INTO work_order_counter (partition, day, last) VALUES (?, ?, 1)
            ON CONFLICT (partition, day) DO UPDATE SET last = last + 1 RETURNING last
            """), arguments: [partition, date]) ?? 1
        return (WorkOrderNumber(day: date, partition: partition, number: number).id, seq)
    }

    /// Writes a new work order with its events, co-operating units and timeline.
    static func insert(_ order: WorkOrder, seq: Int64, partition: Int32, police: Bool, db: Database) throws {
        try insertRow(order, seq: seq, partition: partition, police: police, db: db)
        for event in order.events ?? [] { try addEvent(event, to: order.workOrderId, db: db) }
        try replaceCoUnits(of: order.workOrderId, with: order.coUnitIds ?? [], db: db)
        for entry in order.timeline { try appendTimeline(entry, to: order.workOrderId, unitId: order.unitId, db: db) }
    }

    /// The `work_order` row of a new order (its creation columns).
    static func insertRow(_ order: WorkOrder, seq: Int64, partition: Int32, police: Bool, db: Database) throws {
        try db.run("""
            INSERT INTO work_order (work_order_id, seq, event_id, source, source_id, category, level, town, village, grid,
                unit_id, status, text, address, reporter_name, reporter_phone, occurred_at, dispatched_at, sign_by,
                resolve_by, version, on_site_by, round, round_started_at, police, review_by, hotspot_alert_id, partition)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                order.workOrderId, seq, order.eventId, order.source.rawValue, order.sourceId, order.category.rawValue,
                order.level.rawValue, order.town, order.village, order.grid, order.unitId, order.status.rawValue,
                order.text, order.address, order.reporter?.name, order.reporter?.phone,
                ts(order.occurredAt), ts(order.dispatchedAt), ts(order.signBy), ts(order.resolveBy), order.version,
                order.onSiteBy.map(ts), order.round ?? 1, ts(order.roundStartedAt ?? order.dispatchedAt), police,
                order.reviewBy.map(ts), order.hotspotAlertId, partition,
            ])
    }

    /// Writes what changes in a work order's life (everything but its identity, event and place).
    static func update(_ order: WorkOrder, db: Database) throws {
        try db.run("""
            UPDATE work_order SET unit_id = ?, status = ?, version = ?, round = ?, round_started_at = ?, sign_by = ?,
                on_site_by = ?, resolve_by = ?, signed_at = ?, on_site_at = ?, resolved_at = ?, closed_at = ?, result = ?,
                feedback_satisfied = ?, feedback_comment = ?, feedback_at = ?, review_by = ?, merged_into = ?
            WHERE work_order_id = ?
            """, [
                order.unitId, order.status.rawValue, order.version, order.round ?? 1,
                ts(order.roundStartedAt ?? order.dispatchedAt), ts(order.signBy), order.onSiteBy.map(ts),
                ts(order.resolveBy), order.signedAt.map(ts), order.onSiteAt.map(ts), order.resolvedAt.map(ts),
                order.closedAt.map(ts), order.result, order.feedback?.satisfied, order.feedback?.comment,
                order.feedback.map { ts($0.at) }, order.reviewBy.map(ts), order.mergedInto, order.workOrderId,
            ])
        try replaceCoUnits(of: order.workOrderId, with: order.coUnitIds ?? [], db: db)
    }

    static func appendTimeline(_ entry: WorkOrder.TimelineEntry, to workOrderId: String, unitId: String, db: Database) throws {
        try db.run("""
            INSERT INTO work_order_timeline (work_order_id, version, at, actor, change, note, unit_id, person_id, person_name)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [workOrderId, entry.version, ts(entry.at), entry.actor, entry.change, entry.note, unitId,
                             entry.person?.id, entry.person?.name])
    }

    static func addEvent(_ event: WorkOrder.Event, to workOrderId: String, db: Database) throws {
        try db.run("""
            INSERT INTO work_order_event (event_id, work_order_id, source, source_id, text, address, reporter_name,
                reporter_phone, occurred_at, attached_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [event.eventId, workOrderId, event.source.rawValue, event.sourceId, event.text, event.address,
                             event.reporter?.name, event.reporter?.phone, ts(event.occurredAt), ts(event.attachedAt)])
    }

    static func replaceCoUnits(of workOrderId: String, with units: [String], db: Database) throws {
        try db.run("DELETE FROM work_order_co_unit WHERE work_order_id = ?", [workOrderId])
        for unit in units {
            try db.run("INSERT OR IGNORE INTO work_order_co_unit (work_order_id, unit_id) VALUES (?, ?)",
                           [workOrderId, unit])
        }
    }

    /// Whether an event is already part of a work order (its own, or attached).
    static func exists(eventId: String, db: Database) throws -> Bool {
        try workOrderId(containing: eventId, db: db) != nil
    }

    /// The work order an event belongs to, if any.
    static func workOrderId(containing eventId: String, db: Database) throws -> String? {
        try String.fetchOne(db.cached("SELECT work_order_id FROM work_order_event WHERE event_id = ?"), arguments: [eventId])
    }

    /// The partition whose owner decides about the order (nil: no such order here).
    static func partition(of workOrderId: String, db: Database) throws -> Int32? {
        try Int32.fetchOne(db, sql: "SELECT partition FROM work_order WHERE work_order_id = ?", arguments: [workOrderId])
    }

    /// Whether the order is a police matter (its event was classified as one).
    static func isPoliceMatter(_ workOrderId: String, db: Database) throws -> Bool {
        try Bool.fetchOne(db.cached("SELECT police FROM work_order WHERE work_order_id = ?"), arguments: [workOrderId]) ?? false
    }

    /// The units that returned the order (退回), so that re-routing does not send it back to them.
    static func unitsThatReturned(_ workOrderId: String, db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db.cached("""
            SELECT DISTINCT unit_id FROM work_order_timeline WHERE work_order_id = ? AND change = 'returned' AND unit_id IS NOT NULL
            """), arguments: [workOrderId]))
    }

    /// The order with its whole history; with `history: false`, without its timeline and attached events
    /// (empty): enough to change it and publish the change, at a cost that does not grow with its history
    /// (a hotspot's order may gather hundreds of repeat reports).
    static func find(id: String, db: Database, now: Date, history: Bool = true) throws -> WorkOrder? {
        guard let row = try Row.fetchOne(db.cached("SELECT * FROM work_order WHERE work_order_id = ?"), arguments: [id]) else {
            return nil
        }
        var order = try workOrder(row, db: db, now: now, history: history)
        // A restore can hold a change's timeline entry without the order record written after it in the same
        // transaction: the writer died between the two acknowledgements (docs/architecture.md, open problems).
        // The change happened and its version is taken; the next change must not reuse it.
        let newest = history ? order.timeline.last?.version
            : try Int.fetchOne(db.cached("SELECT MAX(version) FROM work_order_timeline WHERE work_order_id = ?"), arguments: [id])
        if let newest, newest > order.version { order.version = newest }
        return order
    }

    /// One page of work orders matching `query`, newest first, and the cursor of the next page.
    static func list(_ query: WorkOrderQuery, db: Database, now: Date) throws -> (items: [WorkOrder], nextCursor: Int?) {
        var (conditions, arguments) = query.sqlConditions(now: now)
        if let cursor = query.cursor {
            conditions.append("seq < ?")
            arguments += [cursor]
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM work_order WHERE \(conditions.isEmpty ? "1" : conditions.joined(separator: " AND "))
            ORDER BY seq DESC LIMIT ?
            """, arguments: arguments + [query.limit + 1])
        let page = rows.prefix(query.limit)
        let items = try page.map { try workOrder($0, db: db, now: now) }
        return (items, rows.count > query.limit ? page.last.map { $0["seq"] as Int } : nil)
    }

    private static func workOrder(_ row: Row, db: Database, now: Date, history: Bool = true) throws -> WorkOrder {
        let id: String = row["work_order_id"]
        let timeline = !history ? [] : try Row.fetchAll(
            db.cached("SELECT * FROM work_order_timeline WHERE work_order_id = ? ORDER BY version"), arguments: [id]
        ).map { entry in
            WorkOrder.TimelineEntry(version: entry["version"], at: date(entry["at"]), actor: entry["actor"],
                                    change: entry["change"], note: entry["note"],
                                    person: (entry["person_id"] as String?).map { ActingPerson(id: $0, name: entry["person_name"]) })
        }
        let events = !history ? [] : try Row.fetchAll(
            db.cached("SELECT * FROM work_order_event WHERE work_order_id = ? ORDER BY attached_at, rowid"), arguments: [id]
        ).map { event in
            WorkOrder.Event(
                eventId: event["event_id"], source: Source(rawValue: event["source"]) ?? .walkin, sourceId: event["source_id"],
                text: event["text"], address: event["address"], reporter: reporter(event),
                occurredAt: date(event["occurred_at"]), attachedAt: date(event["attached_at"]))
        }
        let coUnits = try String.fetchAll(
            db.cached("SELECT unit_id FROM work_order_co_unit WHERE work_order_id = ? ORDER BY unit_id"), arguments: [id])
        let satisfied: Bool? = row["feedback_satisfied"]
        var order = WorkOrder(
            workOrderId: id, eventId: row["event_id"], source: Source(rawValue: row["source"]) ?? .walkin,
            sourceId: row["source_id"], category: Category(rawValue: row["category"]) ?? .other,
            level: Level(rawValue: row["level"]) ?? .normal, town: row["town"], village: row["village"],
            grid: row["grid"], unitId: row["unit_id"], status: WorkOrderStatus(rawValue: row["status"]) ?? .dispatched,
            text: row["text"], address: row["address"], reporter: reporter(row),
            occurredAt: date(row["occurred_at"]), dispatchedAt: date(row["dispatched_at"]),
            signBy: date(row["sign_by"]), resolveBy: date(row["resolve_by"]), version: row["version"],
            timeline: timeline, onSiteBy: optionalDate(row["on_site_by"]), coUnitIds: coUnits, events: events,
            round: row["round"], roundStartedAt: optionalDate(row["round_started_at"]),
            signedAt: optionalDate(row["signed_at"]), onSiteAt: optionalDate(row["on_site_at"]),
            resolvedAt: optionalDate(row["resolved_at"]), closedAt: optionalDate(row["closed_at"]), result: row["result"],
            feedback: satisfied.map { WorkOrder.Feedback(satisfied: $0, comment: row["feedback_comment"],
                                                         at: date(row["feedback_at"])) },
            reviewBy: optionalDate(row["review_by"]), mergedInto: row["merged_into"], hotspotAlertId: row["hotspot_alert_id"])
        order.overdue = order.unmetDeadlines(at: now)
        return order
    }

    private static func reporter(_ row: Row) -> Reporter? {
        let name: String? = row["reporter_name"]
        let phone: String? = row["reporter_phone"]
        return name == nil && phone == nil ? nil : Reporter(name: name, phone: phone)
    }

    static func ts(_ date: Date) -> String { MessageCoding.formatTimestamp(date) }
    private static func date(_ text: String) -> Date { MessageCoding.parseTimestamp(text) ?? Date(timeIntervalSince1970: 0) }
    private static func optionalDate(_ text: String?) -> Date? { text.flatMap(MessageCoding.parseTimestamp) }
}

extension WorkOrder {
    /// The deadlines of the current round that have passed at `now` and are not met.
    func unmetDeadlines(at now: Date) -> [WorkOrderUpdate.Deadline] {
        var unmet: [WorkOrderUpdate.Deadline] = []
        if DeadlineTimer.Kind.signOverdue.pendingStatuses.contains(status), signBy <= now { unmet.append(.sign) }
        if DeadlineTimer.Kind.onSiteOverdue.pendingStatuses.contains(status), let onSiteBy, onSiteBy <= now { unmet.append(.onSite) }
        if DeadlineTimer.Kind.resolveOverdue.pendingStatuses.contains(status), resolveBy <= now { unmet.append(.resolve) }
        if DeadlineTimer.Kind.reviewOverdue.pendingStatuses.contains(status), let reviewBy, reviewBy <= now { unmet.append(.review) }
        return unmet
    }
}
