import Foundation
import GRDB
import Logging
import Metrics
import MinshengModel
import MinshengPlatform

/// Where every change in a work order's life is made. The state machine decides whether it is allowed;
/// then the change, its timeline entry, its deadline timers and its message on `workorders.updates`
/// are written in the caller's one transaction, so they commit together or not at all. Used by the
/// consumer (new and repeat events), the API (units and the centre) and the deadline watcher.
struct WorkOrderDesk {
    let configuration: DispatchConfiguration
    let logger: Logger

    /// The actor of what dispatch does by itself (rules, deadlines).
    static let dispatchActor = "dispatch"

    /// What the API asks for.
    enum Command: Sendable, Equatable {
        case sign(note: String?)
        case arriveOnSite(note: String?)
        case addProgress(note: String)
        case resolve(result: String, note: String?)
        case returnOrder(reason: String)
        case reassign(unitId: String, coUnitIds: [String]?, note: String?)
        case recordFeedback(satisfied: Bool, comment: String?)
        case reopen(reason: String)
        // The centre's review (WorkOrderDesk+Review.swift).
        case release(Correction, unitId: String?, coUnitIds: [String]?, note: String?)
        case answer(Correction, answer: String)
        case merge(into: String, note: String?)
        case approveReturn(unitId: String?, coUnitIds: [String]?, note: String?)
        case refuseReturn(note: String)

        var action: WorkOrderLifecycle.Action {
            switch self {
            case .sign: .sign
            case .arriveOnSite: .arriveOnSite
            case .addProgress: .addProgress
            case .resolve: .resolve
            case .returnOrder: .returnOrder
            case .reassign: .reassign
            case .recordFeedback(let satisfied, _): satisfied ? .recordSatisfied : .recordUnsatisfied
            case .reopen: .reopen
            case .release: .release
            case .answer: .answer
            case .merge: .merge
            case .approveReturn: .approveReturn
            case .refuseReturn: .refuseReturn
            }
        }
    }

    var units: UnitDirectory { configuration.units }

    // MARK: - New and repeat events

    /// Creates the work order for a classified event: routed by the rules, with the deadlines of its
    /// level and category from `now`, the timers of those deadlines, and the `created` message.
    /// - Parameter partition: the partition of `events.classified` the event came from (its matter's):
    ///   the order belongs to it.
    func create(for event: ClassifiedEvent, partition: Int32 = 0, db: Database, now: Date) throws -> WorkOrder {
        if configuration.review.holds(event) { return try hold(event, partition: partition, db: db, now: now) }
        let place = RoutingTable.Place(category: event.category, level: event.level, town: event.town,
                                       village: event.village, police: event.police)
        guard let route = configuration.routing.route(place, units: units) else {
            // Start-up checks guarantee a catch-all rule; this is a bug, not bad input.
            throw UnprocessableMessage("no routing rule matches \(event.category.rawValue) in \(event.town ?? "unknown town")")
        }
        let (id, seq) = try WorkOrderStore.nextIdentity(db, partition: partition, now: now)
        let deadlines = configuration.deadlines.deadlines(level: event.level, category: event.category, from: now,
                                                          calendar: configuration.calendar)
        let note = "routed to \(route.unitId) by rule \(route.rule.map(String.init) ?? "-") (\(event.category.rawValue), "
            + "\(event.level.rawValue), \(event.town ?? "town unknown"))"
            + (route.coUnitIds.isEmpty ? "" : "; co-operating: \(route.coUnitIds.joined(separator: ", "))")
        let order = WorkOrder(
            workOrderId: id, eventId: event.eventId, source: event.source, sourceId: event.sourceId,
            category: event.category, level: event.level, town: event.town, village: event.village, grid: event.grid,
            unitId: route.unitId, status: .dispatched, text: event.text, address: event.address, reporter: event.reporter,
            occurredAt: event.occurredAt, dispatchedAt: now, signBy: deadlines.signBy, resolveBy: deadlines.resolveBy,
            version: 1,
            timeline: [.init(version: 1, at: now, actor: Self.dispatchActor, change: WorkOrderUpdate.Change.created.rawValue,
                             note: note)],
            onSiteBy: deadlines.onSiteBy, coUnitIds: route.coUnitIds, events: [Self.event(event, attachedAt: now)],
            round: 1, roundStartedAt: now)
        try WorkOrderStore.insert(order, seq: seq, partition: partition, police: event.police, db: db)
        try schedule(deadlines, for: order, db: db)
        try publish(order, change: .created, actor: Self.dispatchActor, db: db, now: now)
        Counter(label: "minsheng_workorders_created_total", dimensions: [("level", order.level.rawValue)]).increment()
        return order
    }

    /// Attaches a repeat report to the work order `workOrderId` (并案): the order lists it with its
    /// reporter, and nothing is dispatched again. Nil when that order is closed (or unknown): the event
    /// then needs a work order of its own. The order returned lacks its earlier history (see
    /// `WorkOrderStore.find(history:)`): it carries what the change needed.
    func attach(_ event: ClassifiedEvent, to workOrderId: String, db: Database, now: Date) throws -> WorkOrder? {
        guard var order = try WorkOrderStore.find(id: workOrderId, db: db, now: now, history: false),
              (try? WorkOrderLifecycle.next(after: .attachEvent, from: order.status)) != nil
        else { return nil }
        let attached = Self.event(event, attachedAt: now)
        try WorkOrderStore.addEvent(attached, to: workOrderId, db: db)
        order.events = (order.events ?? []) + [attached]
        let note = "repeat report \(event.source.rawValue)/\(event.sourceId) (\(event.eventId))"
        try record(&order, .attached, actor: Self.dispatchActor, note: note,
                   details: .init(note: note, attachedEvent: .init(eventId: event.eventId, source: event.source, sourceId: event.sourceId,
                                                                   reporter: event.reporter)),
                   db: db, now: now)
        return order
    }

    // MARK: - The API

    /// Does what a unit or the centre asks, or says why not: unknown order, not theirs, not allowed now.
    func perform(_ command: Command, on workOrderId: String, by caller: Caller, db: Database, now: Date) throws -> WorkOrder {
        guard var order = try WorkOrderStore.find(id: workOrderId, db: db, now: now) else {
            throw WorkOrderError.notFound(workOrderId)
        }
        try caller.check(command.action, on: order)
        let next: WorkOrderStatus
        do {
            next = try WorkOrderLifecycle.next(after: command.action, from: order.status)
        } catch {
            throw WorkOrderError.illegalTransition(error)
        }
        let actor = caller.unitId
        let person = caller.person
        switch command {
        case .sign(let note):
            order.status = next
            order.signedAt = now
            try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, kinds: DeadlineTimer.Kind.watching(.sign), db: db, now: now)
            try record(&order, .signed, actor: actor, person: person, note: note, details: .init(note: note), db: db, now: now)
        case .arriveOnSite(let note):
            order.status = next
            order.onSiteAt = now
            try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, kinds: DeadlineTimer.Kind.watching(.onSite), db: db, now: now)
            try record(&order, .onSite, actor: actor, person: person, note: note, details: .init(note: note), db: db, now: now)
        case .addProgress(let note):
            try record(&order, .progress, actor: actor, person: person, note: note, details: .init(note: note), db: db, now: now)
        case .resolve(let result, let note):
            order.status = next
            order.resolvedAt = now
            order.result = result
            try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, db: db, now: now)
            try DeadlineTimerStore.schedule(
                workOrderId: order.workOrderId, round: order.round ?? 1, kind: .feedbackTimeout,
                dueAt: configuration.deadlines.feedbackDue(resolvedAt: now, calendar: configuration.calendar), db: db)
            try record(&order, .resolved, actor: actor, person: person, note: result,
                       details: .init(note: note, result: result), db: db, now: now)
        case .returnOrder(let reason):
            order.status = next
            try waitForCentre(&order, returnedWith: reason, by: caller, db: db, now: now)
        case .reassign(let unitId, let coUnitIds, let note):
            guard let unit = units.unit(id: unitId) else {
                throw WorkOrderError.invalidField(field: "unitId", message: "\(unitId) is not a unit in units.json")
            }
            let coUnits = coUnitIds ?? (order.coUnitIds ?? [])
            if let unknown = coUnits.first(where: { units.unit(id: $0) == nil }) {
                throw WorkOrderError.invalidField(field: "coUnitIds", message: "\(unknown) is not a unit in units.json")
            }
            let previous = order.unitId
            order.status = next
            try startRound(&order, unitId: unit.id, coUnitIds: coUnits, db: db, now: now)
            try record(&order, .reassigned, actor: actor, person: person, note: "to \(unit.id)" + (note.map { ": \($0)" } ?? ""),
                       details: .init(note: note, previousUnitId: previous), db: db, now: now)
        case .recordFeedback(let satisfied, let comment):
            let feedback = WorkOrder.Feedback(satisfied: satisfied, comment: comment, at: now)
            let said = "citizen \(satisfied ? "satisfied" : "not satisfied")" + (comment.map { ": \($0)" } ?? "")
            order.feedback = feedback
            order.status = next
            let details = WorkOrderUpdate.Details(note: comment, feedback: .init(satisfied: satisfied, comment: comment))
            if satisfied {
                order.closedAt = now
                try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, db: db, now: now)
                try record(&order, .closed, actor: actor, person: person, note: said, details: details, db: db, now: now)
            } else {
                try startRound(&order, unitId: order.unitId, coUnitIds: order.coUnitIds ?? [], db: db, now: now)
                try record(&order, .reopened, actor: actor, person: person, note: said, details: details, db: db, now: now)
            }
        case .reopen(let reason):
            order.status = next
            try startRound(&order, unitId: order.unitId, coUnitIds: order.coUnitIds ?? [], db: db, now: now)
            try record(&order, .reopened, actor: actor, person: person, note: reason, details: .init(reason: reason), db: db, now: now)
        case .release(let correction, let unitId, let coUnitIds, let note):
            try release(&order, correcting: correction, to: unitId, coUnitIds: coUnitIds, note: note, by: caller, db: db, now: now)
        case .answer(let correction, let text):
            try answer(&order, correcting: correction, with: text, by: caller, db: db, now: now)
        case .merge(let target, let note):
            try merge(&order, into: target, note: note, by: caller, db: db, now: now)
        case .approveReturn(let unitId, let coUnitIds, let note):
            try approveReturn(&order, to: unitId, coUnitIds: coUnitIds, note: note, by: caller, db: db, now: now)
        case .refuseReturn(let note):
            try refuseReturn(&order, note: note, by: caller, db: db, now: now)
        }
        order.overdue = order.unmetDeadlines(at: now)
        return order
    }

    // MARK: - Deadlines

    /// What firing a timer did.
    enum FireOutcome: Equatable {
        /// Its messages were written (warning; overdue, maybe escalated; closed without feedback).
        case fired
        /// The order had moved on (signed, resolved, another round): cancelled, nothing said.
        case cancelled
    }

    /// Fires a due timer in the caller's transaction: marks it fired and writes what it says. A timer
    /// already fired or cancelled does nothing, so each fires once however often it is looked at.
    func fire(_ timer: DeadlineTimer, db: Database, now: Date) throws -> FireOutcome {
        guard var order = try WorkOrderStore.find(id: timer.workOrderId, db: db, now: now),
              timer.round == (order.round ?? 1), timer.kind.pendingStatuses.contains(order.status)
        else {
            try DeadlineTimerStore.markCancelled(id: timer.id, db: db, now: now)
            return .cancelled
        }
        guard try DeadlineTimerStore.markFired(id: timer.id, db: db, now: now) else { return .cancelled }
        // The centre decides on held and returned orders: its own duty group is told.
        let supervisor = timer.kind.deadline == .review ? centreId : units.unit(id: order.unitId)?.supervisor
        let due = MessageCoding.formatTimestamp(timer.dueAt)
        switch timer.kind {
        case .signWarning, .onSiteWarning, .resolveWarning, .reviewWarning:
            let deadline = timer.kind.deadline!
            let percent = Int((configuration.deadlines.warningFraction * 100).rounded())
            try record(&order, .warning, actor: Self.dispatchActor,
                       note: "\(percent)% of the \(deadline.rawValue) time has passed (due \(MessageCoding.formatTimestamp(dueDate(deadline, of: order))))",
                       details: .init(supervisorUnitId: supervisor, deadline: deadline), db: db, now: now)
        case .signOverdue, .onSiteOverdue, .resolveOverdue, .reviewOverdue:
            let deadline = timer.kind.deadline!
            try record(&order, .overdue, actor: Self.dispatchActor,
                       note: "\(deadline.rawValue) deadline \(due) passed" + (supervisor.map { "; supervision notice to \($0)" } ?? ""),
                       details: .init(supervisorUnitId: supervisor, deadline: deadline), db: db, now: now)
            if timer.kind == .signOverdue, order.level >= .urgent {
                try escalate(&order, db: db, now: now)
            }
        case .feedbackTimeout:
            order.status = try WorkOrderLifecycle.next(after: .closeWithoutFeedback, from: order.status)
            order.closedAt = now
            try record(&order, .closed, actor: Self.dispatchActor,
                       note: "no feedback within \(configuration.deadlines.feedbackPeriod) of the resolution", db: db, now: now)
        }
        return .fired
    }

    /// Sends an unsigned urgent or critical order to the next tier up (升级), keeping the unit that did not
    /// sign as a co-operating unit. City departments have no tier above: their supervisor was told.
    private func escalate(_ order: inout WorkOrder, db: Database, now: Date) throws {
        let previous = order.unitId
        guard let route = configuration.routing.escalation(from: previous, try Self.place(of: order, db: db), units: units) else {
            logger.info("No tier to escalate to", metadata: ["workOrder.id": "\(order.workOrderId)", "unit.id": "\(previous)"])
            return
        }
        order.status = try WorkOrderLifecycle.next(after: .escalate, from: order.status)
        var coUnits: [String] = []
        for unit in (order.coUnitIds ?? []) + [previous] + route.coUnitIds where !coUnits.contains(unit) { coUnits.append(unit) }
        try startRound(&order, unitId: route.unitId, coUnitIds: coUnits, db: db, now: now)
        let reason = "\(previous) did not sign within the sign deadline"
        try record(&order, .escalated, actor: Self.dispatchActor, note: "to \(route.unitId): \(reason)",
                   details: .init(reason: reason, previousUnitId: previous), db: db, now: now)
        logger.notice("Work order escalated", metadata: [
            "workOrder.id": "\(order.workOrderId)", "event.id": "\(order.eventId)", "unit.id": "\(route.unitId)",
            "unit.previous": "\(previous)",
        ])
    }

    func dueDate(_ deadline: WorkOrderUpdate.Deadline, of order: WorkOrder) -> Date {
        switch deadline {
        case .sign: order.signBy
        case .onSite: order.onSiteBy ?? order.resolveBy
        case .resolve: order.resolveBy
        case .review: order.reviewBy ?? order.resolveBy
        }
    }

    /// The command centre's unit id (`units.json` has exactly one).
    var centreId: String { units.units.first { $0.tier == .centre }?.id ?? "centre" }

    // MARK: - Writing a change

    /// A new round of handling from `now`: the lead (and co-operating units) given, fresh deadlines and
    /// timers, the old round's timers cancelled.
    func startRound(_ order: inout WorkOrder, unitId: String, coUnitIds: [String], db: Database, now: Date) throws {
        try DeadlineTimerStore.cancel(workOrderId: order.workOrderId, db: db, now: now)
        order.round = (order.round ?? 1) + 1
        order.roundStartedAt = now
        order.unitId = unitId
        order.coUnitIds = coUnitIds.filter { $0 != unitId }
        order.signedAt = nil
        order.onSiteAt = nil
        order.resolvedAt = nil
        order.closedAt = nil
        order.result = nil
        order.reviewBy = nil
        let deadlines = configuration.deadlines.deadlines(level: order.level, category: order.category, from: now,
                                                          calendar: configuration.calendar)
        order.signBy = deadlines.signBy
        order.onSiteBy = deadlines.onSiteBy
        order.resolveBy = deadlines.resolveBy
        try schedule(deadlines, for: order, db: db)
    }

    func schedule(_ deadlines: Deadlines, for order: WorkOrder, db: Database) throws {
        for timer in deadlines.timers {
            try DeadlineTimerStore.schedule(workOrderId: order.workOrderId, round: order.round ?? 1, kind: timer.kind,
                                            dueAt: timer.dueAt, db: db)
        }
    }

    /// Bumps the version, saves the order, appends the timeline entry and enqueues the message.
    func record(
        _ order: inout WorkOrder, _ change: WorkOrderUpdate.Change, actor: String, person: ActingPerson? = nil, note: String?,
        details: WorkOrderUpdate.Details = .init(), db: Database, now: Date
    ) throws {
        order.version += 1
        let entry = WorkOrder.TimelineEntry(version: order.version, at: now, actor: actor, change: change.rawValue, note: note,
                                            person: person)
        order.timeline.append(entry)
        try WorkOrderStore.update(order, db: db)
        try WorkOrderStore.appendTimeline(entry, to: order.workOrderId, unitId: order.unitId, db: db)
        try publish(order, change: change, actor: actor, person: person, details: details, db: db, now: now)
        logger.debug("Work order changed", metadata: [
            "workOrder.id": "\(order.workOrderId)", "event.id": "\(order.eventId)", "change": "\(change.rawValue)",
            "status": "\(order.status.rawValue)", "actor": "\(actor)",
        ])
    }

    func publish(
        _ order: WorkOrder, change: WorkOrderUpdate.Change, actor: String, person: ActingPerson? = nil,
        details: WorkOrderUpdate.Details = .init(), db: Database, now: Date
    ) throws {
        let update = WorkOrderUpdate(order: order, change: change, actor: actor, person: person,
                                     unitName: units.name(of: order.unitId), at: now, details: details)
        try Outbox.enqueue(db, topic: Topics.workOrderUpdates, key: order.eventId, message: update, now: now)
        // The changelog after the output: a record in Kafka means its update is there too.
        let added: [String] = switch change {
        case .created, .held: order.events?.first.map { [$0.eventId] } ?? []
        default: details.attachedEvent.map { [$0.eventId] } ?? []
        }
        try WorkOrderChangelog.record(order, addedEvents: added, db: db, now: now)
    }

    /// What routing looks at for an existing order (re-routing, escalation).
    static func place(of order: WorkOrder, db: Database) throws -> RoutingTable.Place {
        RoutingTable.Place(category: order.category, level: order.level, town: order.town, village: order.village,
                           police: try WorkOrderStore.isPoliceMatter(order.workOrderId, db: db))
    }

    static func event(_ event: ClassifiedEvent, attachedAt: Date) -> WorkOrder.Event {
        WorkOrder.Event(eventId: event.eventId, source: event.source, sourceId: event.sourceId, text: event.text,
                        address: event.address, reporter: event.reporter, occurredAt: event.occurredAt, attachedAt: attachedAt)
    }
}
