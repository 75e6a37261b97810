import Foundation
import GRDB
import Metrics
import MinshengModel
import MinshengPlatform

/// The command centre's review (issue 11): reports held before dispatch (待审核), orders a unit returned
/// (退回待审), and hotspots turned into work (未诉先办). Each step is one change in the caller's
/// transaction, like every other (`record`), naming the person who acted.
extension WorkOrderDesk {
    /// What the centre corrects in the classifier's verdict before it acts; nil keeps the value.
    struct Correction: Sendable, Equatable {
        var category: Category?
        var level: Level?
        var town: String?
        var village: String?

        static let none = Correction()

        /// What changes, as `category other→market` for the timeline; empty when nothing does.
        func describe(against order: WorkOrder) -> [String] {
            var changes: [String] = []
            if let category, category != order.category { changes.append("category \(order.category.rawValue)→\(category.rawValue)") }
            if let level, level != order.level { changes.append("level \(order.level.rawValue)→\(level.rawValue)") }
            if let town, town != order.town { changes.append("town \(order.town ?? "-")→\(town)") }
            if let village, village != order.village { changes.append("village \(order.village ?? "-")→\(village)") }
            return changes
        }
    }

    // MARK: - Held for review

    /// A new order held at the centre (status `held`, round 0, the centre as its lead) until a person
    /// releases, answers or merges it; the review deadline's timers start now.
    func hold(_ event: ClassifiedEvent, partition: Int32, db: Database, now: Date) throws -> WorkOrder {
        let (id, seq) = try WorkOrderStore.nextIdentity(db, partition: partition, now: now)
        let deadlines = configuration.deadlines.deadlines(level: event.level, category: event.category, from: now,
                                                          calendar: configuration.calendar)
        let reviewBy = configuration.review.reviewBy(level: event.level, from: now, calendar: configuration.calendar)
        var why: [String] = []
        if event.needsReview == true { why.append("the classifier is unsure (confidence \(String(format: "%.2f", event.confidence)))") }
        if let type = event.requestType, configuration.review.holdRequestTypes.contains(type) { why.append("request type \(type.rawValue)") }
        let order = WorkOrder(
            workOrderId: id, eventId: event.eventId, source: event.source, sourceId: event.sourceId,
            category: event.category, level: event.level, town: event.town, village: event.village, grid: event.grid,
            unitId: centreId, status: .held, text: event.text, address: event.address, reporter: event.reporter,
            occurredAt: event.occurredAt, dispatchedAt: now, signBy: deadlines.signBy, resolveBy: deadlines.resolveBy,
            version: 1,
            timeline: [.init(version: 1, at: now, actor: Self.dispatchActor, change: WorkOrderUpdate.Change.held.rawValue,
                             note: "held for review: " + why.joined(separator: "; "))],
            coUnitIds: [], events: [Self.event(event, attachedAt: now)], round: 0, roundStartedAt: now, reviewBy: reviewBy)
        try WorkOrderStore.insert(order, seq: seq, partition: partition, police: event.police, db: db)
        try scheduleReview(of: order, from: now, db: db)
        try publish(order, change: .held, actor: Self.dispatchActor, details: .init(note: order.timeline[0].note), db: db, now: now)
        Counter(label: "minsheng_workorders_created_total", dimensions: [("level", order.level.rawValue)]).increment()
        return order
    }

    /// 审核派发: the held order goes to the unit the rules give for the corrected verdict (or the unit
    /// the centre names), with round 1 and its deadlines from now.
    func release(
        _ order: inout WorkOrder, correcting correction: Correction, to unitId: String?, coUnitIds: [String]?, note: String?,
        by caller: Caller, db: Database, now: Date
    ) throws {
        let changes = try apply(correction, to: &order, db: db)
        let route: RoutingTable.Route
        if let unitId {
            guard let unit = units.unit(id: unitId), unit.tier != .centre else {
                throw WorkOrderError.invalidField(field: "unitId", message: "\(unitId) is not a handling unit in units.json")
            }
            route = RoutingTable.Route(unitId: unit.id, coUnitIds: [], rule: nil)
        } else {
            guard let routed = configuration.routing.route(try Self.place(of: order, db: db), units: units),
                  units.unit(id: routed.unitId)?.tier != .centre
            else {
                throw WorkOrderError.invalidField(field: "unitId", message: "the routing rules give no handling unit: name one in unitId")
            }
            route = routed
        }
        let coUnits = try checkedUnits(coUnitIds ?? route.coUnitIds, field: "coUnitIds")
        order.status = .dispatched
        try startRound(&order, unitId: route.unitId, coUnitIds: coUnits, db: db, now: now)
        let how = unitId == nil ? "by rule \(route.rule.map(String.init) ?? "-")" : "by the centre"
        let text = (["to \(route.unitId) \(how)"] + changes + [note].compactMap { $0 }).joined(separator: "; ")
        try record(&order, .released, actor: caller.unitId, person: caller.person, note: text, details: .init(note: text),
                   db: db, now: now)
    }

    /// 即时办结: the centre answered the held consultation itself; resolved and closed at once.
    func answer(
        _ order: inout WorkOrder, correcting correction: Correction, with answer: String, by caller: Caller, db: Database, now: Date
    ) throws {
        let changes = try apply(correction, to: &order, db: db)
        try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, db: db, now: now)
        order.status = .closed
        order.resolvedAt = now
        order.closedAt = now
        order.result = answer
        order.reviewBy = nil
        let text = (["answered on the spot"] + changes).joined(separator: "; ")
        try record(&order, .answered, actor: caller.unitId, person: caller.person, note: text,
                   details: .init(result: answer), db: db, now: now)
    }

    /// 并案: the held report (and any repeat attached to it) joins another order, which lists it as
    /// attached; the held order ends as `merged`.
    func merge(_ order: inout WorkOrder, into targetId: String, note: String?, by caller: Caller, db: Database, now: Date) throws {
        guard targetId != order.workOrderId else {
            throw WorkOrderError.invalidField(field: "into", message: "a work order cannot be merged into itself")
        }
        guard var target = try WorkOrderStore.find(id: targetId, db: db, now: now) else {
            throw WorkOrderError.invalidField(field: "into", message: "no work order \(targetId)")
        }
        do {
            _ = try WorkOrderLifecycle.next(after: .attachEvent, from: target.status)
        } catch {
            throw WorkOrderError.illegalTransition(error)
        }
        let moved = order.events ?? []
        let targetPartition = try WorkOrderStore.partition(of: targetId, db: db)
        if targetPartition == (try WorkOrderStore.partition(of: order.workOrderId, db: db)) {
            try WorkOrderStore.moveEvents(of: order.workOrderId, to: targetId, db: db)
            try attach(moved, from: order.workOrderId, to: &target, by: caller, db: db, now: now)
        } else {
            // The target belongs to another partition's owner (checked here on this instance's copy of
            // it): the events go to that owner as a command, which attaches them.
            try db.execute(sql: "DELETE FROM work_order_event WHERE work_order_id = ?", arguments: [order.workOrderId])
            let command = WorkOrderCommand(
                commandId: "merged-from-\(order.workOrderId)", action: WorkOrderCommand.attachMerged, workOrderId: targetId,
                issuer: .init(caller), replyTo: nil, note: note, merged: .init(from: order.workOrderId, events: moved), issuedAt: now)
            try Outbox.enqueue(db, topic: Topics.dispatchCommands, key: targetId, message: command, partition: targetPartition, now: now)
        }
        try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, db: db, now: now)
        order.events = []
        order.status = .merged
        order.mergedInto = targetId
        order.reviewBy = nil
        order.closedAt = now
        let text = "merged into \(targetId)" + (note.map { ": \($0)" } ?? "")
        try record(&order, .merged, actor: caller.unitId, person: caller.person, note: text, details: .init(note: text), db: db, now: now)
    }

    /// Attaches the events of a held order merged into `targetId` by the owner of another partition
    /// (并案 across partitions). The centre chose an open order; should it have closed meanwhile, the
    /// reports are still listed on it rather than lost.
    func attachMerged(_ merged: WorkOrderCommand.MergedEvents, to targetId: String, by caller: Caller, db: Database, now: Date) throws
        -> WorkOrder
    {
        guard var target = try WorkOrderStore.find(id: targetId, db: db, now: now) else { throw WorkOrderError.notFound(targetId) }
        for event in merged.events {
            try db.execute(sql: """
                INSERT INTO work_order_event (event_id, work_order_id, source, source_id, text, address, reporter_name,
                    reporter_phone, occurred_at, attached_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_id) DO UPDATE SET work_order_id = excluded.work_order_id
                """, arguments: [event.eventId, targetId, event.source.rawValue, event.sourceId, event.text, event.address,
                                 event.reporter?.name, event.reporter?.phone, WorkOrderStore.ts(event.occurredAt),
                                 WorkOrderStore.ts(event.attachedAt)])
        }
        try attach(merged.events, from: merged.from, to: &target, by: caller, db: db, now: now)
        return target
    }

    /// The timeline entries and messages of events merged from `from` into `target`.
    private func attach(_ events: [WorkOrder.Event], from: String, to target: inout WorkOrder, by caller: Caller, db: Database,
                        now: Date) throws {
        for event in events {
            target.events = (target.events ?? []) + [event]
            let note = "merged from \(from): \(event.source.rawValue)/\(event.sourceId) (\(event.eventId))"
            try record(&target, .attached, actor: caller.unitId, person: caller.person, note: note,
                       details: .init(note: note, attachedEvent: .init(eventId: event.eventId, source: event.source,
                                                                       sourceId: event.sourceId, reporter: event.reporter)),
                       db: db, now: now)
        }
    }

    // MARK: - Returns

    /// After a unit returned the order (退回): it waits for the centre, which is told (`supervisorUnitId`),
    /// with the unit the rules would give it to next, and a review deadline with its timers.
    func waitForCentre(_ order: inout WorkOrder, returnedWith reason: String, by caller: Caller, db: Database, now: Date) throws {
        try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, db: db, now: now)
        order.reviewBy = configuration.review.reviewBy(level: order.level, from: now, calendar: configuration.calendar)
        try scheduleReview(of: order, from: now, db: db)
        let proposal = try proposedUnit(for: order, db: db)
        try record(&order, .returned, actor: caller.unitId, person: caller.person, note: reason,
                   details: .init(reason: reason, supervisorUnitId: centreId, proposedUnitId: proposal), db: db, now: now)
        logger.info("Returned work order waits for the centre", metadata: [
            "workOrder.id": "\(order.workOrderId)", "event.id": "\(order.eventId)", "unit.id": "\(order.unitId)",
            "unit.proposed": "\(proposal ?? "-")",
        ])
    }

    /// The unit the routing rules give a returned order, skipping every unit that returned it; nil when
    /// only the centre (or nobody) is left.
    func proposedUnit(for order: WorkOrder, db: Database) throws -> String? {
        let excluded = try WorkOrderStore.unitsThatReturned(order.workOrderId, db: db).union([order.unitId])
        guard let route = configuration.routing.route(try Self.place(of: order, db: db), units: units, excluding: excluded),
              units.unit(id: route.unitId)?.tier != .centre
        else { return nil }
        return route.unitId
    }

    /// The centre approves the return: the order goes to the proposed unit (or the one it names) in a new
    /// round.
    func approveReturn(
        _ order: inout WorkOrder, to unitId: String?, coUnitIds: [String]?, note: String?, by caller: Caller, db: Database, now: Date
    ) throws {
        let target: String
        var coUnits = coUnitIds
        if let unitId {
            target = unitId
        } else if let proposal = try proposedUnit(for: order, db: db) {
            target = proposal
            if coUnits == nil {
                let place = try Self.place(of: order, db: db)
                coUnits = configuration.routing.route(place, units: units, excluding: try WorkOrderStore.unitsThatReturned(
                    order.workOrderId, db: db).union([order.unitId]))?.coUnitIds
            }
        } else {
            throw WorkOrderError.invalidField(field: "unitId", message: "the routing rules give no other unit: name one in unitId")
        }
        guard let unit = units.unit(id: target), unit.tier != .centre else {
            throw WorkOrderError.invalidField(field: "unitId", message: "\(target) is not a handling unit in units.json")
        }
        let checked = try checkedUnits(coUnits ?? [], field: "coUnitIds")
        let previous = order.unitId
        order.status = .dispatched
        try startRound(&order, unitId: unit.id, coUnitIds: checked, db: db, now: now)
        let reason = "return approved by the centre"
        try record(&order, .reassigned, actor: caller.unitId, person: caller.person,
                   note: "to \(unit.id): \(reason)" + (note.map { ": \($0)" } ?? ""),
                   details: .init(note: note, reason: reason, previousUnitId: previous), db: db, now: now)
    }

    /// 退回驳回: the order goes back to the unit that returned it, in the status it had (signed when it
    /// had signed), with the deadlines it had: a new round whose deadline timers are those still to come,
    /// and the overdue notices of deadlines that passed meanwhile.
    func refuseReturn(_ order: inout WorkOrder, note: String, by caller: Caller, db: Database, now: Date) throws {
        try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, db: db, now: now)
        order.status = order.signedAt == nil ? .dispatched : .signed
        order.round = (order.round ?? 1) + 1
        order.reviewBy = nil
        let start = order.roundStartedAt ?? order.dispatchedAt
        let fraction = configuration.deadlines.warningFraction
        var timers: [(DeadlineTimer.Kind, Date)] = [(.resolveOverdue, order.resolveBy)]
        if order.signedAt == nil { timers.append((.signOverdue, order.signBy)) }
        if let onSiteBy = order.onSiteBy, order.onSiteAt == nil { timers.append((.onSiteOverdue, onSiteBy)) }
        for (kind, deadline) in timers {
            try DeadlineTimerStore.schedule(workOrderId: order.workOrderId, round: order.round!, kind: kind, dueAt: deadline, db: db)
            let warning = start.addingTimeInterval(deadline.timeIntervalSince(start) * fraction)
            let warningKind: DeadlineTimer.Kind = kind == .signOverdue ? .signWarning : kind == .onSiteOverdue ? .onSiteWarning : .resolveWarning
            if warning > now {
                try DeadlineTimerStore.schedule(workOrderId: order.workOrderId, round: order.round!, kind: warningKind, dueAt: warning, db: db)
            }
        }
        try record(&order, .returnRefused, actor: caller.unitId, person: caller.person, note: note,
                   details: .init(note: note), db: db, now: now)
    }

    // MARK: - Hotspots into work

    /// What the centre asks for a hotspot (未诉先办).
    struct HotspotTask: Sendable, Equatable {
        var alertId: String
        /// The channel of the hotspot's first report: a work order needs one.
        var source: Source
        var category: Category
        var level: Level
        var town: String
        var village: String?
        var text: String
        var unitId: String
        var coUnitIds: [String]
        /// The resolution deadline the centre sets; nil: the deadlines of the level.
        var resolveBy: Date?
        var note: String?
    }

    /// A work order for a hotspot: the lead unit and co-operating units the centre names, the level's
    /// deadlines (or the centre's resolution deadline), and the alert's id as its event and source id.
    func createTask(_ task: HotspotTask, by caller: Caller, partition: Int32 = 0, db: Database, now: Date) throws -> WorkOrder {
        if let existing = try String.fetchOne(db.cached("SELECT work_order_id FROM work_order WHERE hotspot_alert_id = ?"),
                                              arguments: [task.alertId]) {
            throw WorkOrderError.conflict("hotspot \(task.alertId) is already work order \(existing)")
        }
        if try WorkOrderStore.exists(eventId: task.alertId, db: db) {
            throw WorkOrderError.conflict("\(task.alertId) is already an event of a work order")
        }
        guard let unit = units.unit(id: task.unitId), unit.tier != .centre else {
            throw WorkOrderError.invalidField(field: "unitId", message: "\(task.unitId) is not a handling unit in units.json")
        }
        let coUnits = try checkedUnits(task.coUnitIds, field: "coUnitIds").filter { $0 != unit.id }
        try checkPlace(town: task.town, village: task.village)
        var deadlines = configuration.deadlines.deadlines(level: task.level, category: task.category, from: now,
                                                          calendar: configuration.calendar)
        if let resolveBy = task.resolveBy {
            guard resolveBy > deadlines.signBy else {
                throw WorkOrderError.invalidField(field: "resolveBy", message: "resolveBy must be after the sign deadline \(MessageCoding.formatTimestamp(deadlines.signBy))")
            }
            deadlines.resolveBy = resolveBy
            deadlines.resolveWarningAt = now.addingTimeInterval(resolveBy.timeIntervalSince(now) * configuration.deadlines.warningFraction)
        }
        let (id, seq) = try WorkOrderStore.nextIdentity(db, partition: partition, now: now)
        let note = "hotspot task from \(task.alertId) to \(unit.id)" + (coUnits.isEmpty ? "" : "; co-operating: \(coUnits.joined(separator: ", "))")
            + (task.note.map { "; \($0)" } ?? "")
        let order = WorkOrder(
            workOrderId: id, eventId: task.alertId, source: task.source, sourceId: task.alertId, category: task.category,
            level: task.level, town: task.town, village: task.village, grid: nil, unitId: unit.id, status: .dispatched,
            text: task.text, address: nil, reporter: nil, occurredAt: now, dispatchedAt: now, signBy: deadlines.signBy,
            resolveBy: deadlines.resolveBy, version: 1,
            timeline: [.init(version: 1, at: now, actor: caller.unitId, change: WorkOrderUpdate.Change.created.rawValue,
                             note: note, person: caller.person)],
            onSiteBy: deadlines.onSiteBy, coUnitIds: coUnits, events: [], round: 1, roundStartedAt: now,
            hotspotAlertId: task.alertId)
        try WorkOrderStore.insert(order, seq: seq, partition: partition, police: false, db: db)
        try schedule(deadlines, for: order, db: db)
        try publish(order, change: .created, actor: caller.unitId, person: caller.person, details: .init(note: task.note),
                    db: db, now: now)
        Counter(label: "minsheng_workorders_created_total", dimensions: [("level", order.level.rawValue)]).increment()
        return order
    }

    // MARK: - Helpers

    /// The review deadline's warning and overdue timers for the order's round.
    func scheduleReview(of order: WorkOrder, from start: Date, db: Database) throws {
        guard let reviewBy = order.reviewBy else { return }
        let warning = start.addingTimeInterval(max(0, reviewBy.timeIntervalSince(start)) * configuration.deadlines.warningFraction)
        let round = order.round ?? 1
        // A second return in the same round re-arms the timers of the first.
        for (kind, due) in [(DeadlineTimer.Kind.reviewWarning, warning), (.reviewOverdue, reviewBy)] {
            try DeadlineTimerStore.rearm(workOrderId: order.workOrderId, round: round, kind: kind, dueAt: due, db: db)
        }
    }

    /// Applies the centre's corrections to a held order (category, level, town, village), checking the
    /// place against the region; returns what changed, for the timeline.
    func apply(_ correction: Correction, to order: inout WorkOrder, db: Database) throws -> [String] {
        let town = correction.town ?? order.town
        let village = correction.town != nil && correction.village == nil && correction.town != order.town ? nil
            : (correction.village ?? order.village)
        if correction.town != nil || correction.village != nil, let town { try checkPlace(town: town, village: village) }
        let changes = correction.describe(against: order)
        guard !changes.isEmpty else { return [] }
        if village != order.village { order.grid = nil }
        order.category = correction.category ?? order.category
        order.level = correction.level ?? order.level
        order.town = town
        order.village = village
        try WorkOrderStore.correct(order, db: db)
        return changes
    }

    /// Refuses a town or village the region does not have.
    func checkPlace(town: String, village: String?) throws {
        guard let known = configuration.region.towns.first(where: { $0.name == town }) else {
            throw WorkOrderError.invalidField(field: "town", message: "\(town) is not a town in region.json")
        }
        if let village, !known.villages.contains(where: { $0.name == village }) {
            throw WorkOrderError.invalidField(field: "village", message: "\(village) is not a village of \(town) in region.json")
        }
    }

    /// Unit ids that must all be in units.json.
    func checkedUnits(_ ids: [String], field: String) throws -> [String] {
        if let unknown = ids.first(where: { units.unit(id: $0) == nil }) {
            throw WorkOrderError.invalidField(field: field, message: "\(unknown) is not a unit in units.json")
        }
        return ids
    }
}
