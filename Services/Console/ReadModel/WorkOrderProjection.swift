import Foundation
import GRDB
import MinshengModel

/// Keeps the console's copy of every work order from `workorders.updates`: the order as its latest
/// message says (`work_order`), the timeline (`work_order_change`), its events (`work_order_event`)
/// and its hand-overs to units (`handling_round`, for evaluation). A message seen before (same order
/// and sequence) changes nothing; an older one than the copy (reordered) adds its timeline entry only.
enum WorkOrderProjection {
    enum Outcome: Equatable { case applied, stale, duplicate }

    @discardableResult
    static func apply(_ update: WorkOrderUpdate, db: Database) throws -> Outcome {
        let seen = try Bool.fetchOne(db, sql: "SELECT 1 FROM work_order_change WHERE work_order_id = ? AND sequence = ?",
                                     arguments: [update.workOrderId, update.sequence]) ?? false
        if seen { return .duplicate }
        try db.execute(sql: """
            INSERT INTO work_order_change (work_order_id, sequence, change, status, at, actor, person_id, person_name, unit_id,
                                           note, reason, result, deadline, previous_unit_id, round)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                update.workOrderId, update.sequence, update.change.rawValue, update.status.rawValue, ts(update.at), update.actor,
                update.person?.id, update.person?.name, update.unitId, update.note, update.reason, update.result,
                update.deadline?.rawValue, update.previousUnitId, update.round,
            ])
        try applyEvents(update, db: db)
        let version = try Int.fetchOne(db, sql: "SELECT version FROM work_order WHERE work_order_id = ?",
                                       arguments: [update.workOrderId])
        if let version, version >= update.sequence { return .stale }
        try saveOrder(update, db: db)
        try applyRound(update, db: db)
        return .applied
    }

    /// The order's events: its first (not for a hotspot task, whose id is the alert's) and each repeat
    /// attached, also those a merged report brought along.
    private static func applyEvents(_ update: WorkOrderUpdate, db: Database) throws {
        var eventId: String?
        switch update.change {
        case .created, .held: eventId = update.hotspotAlertId == nil ? update.eventId : nil
        case .attached: eventId = update.attachedEvent?.eventId
        default: eventId = nil
        }
        guard let eventId else { return }
        try db.execute(sql: """
            INSERT INTO work_order_event (event_id, work_order_id, attached_at) VALUES (?, ?, ?)
            ON CONFLICT (event_id) DO UPDATE SET work_order_id = excluded.work_order_id, attached_at = excluded.attached_at
            """, arguments: [eventId, update.workOrderId, ts(update.at)])
    }

    /// The order as this message says, replacing the copy. Messages from before the console's fields
    /// (no `dispatchedAt`) keep what the copy knew and derive the rest from the change.
    private static func saveOrder(_ update: WorkOrderUpdate, db: Database) throws {
        let old = try Row.fetchOne(db, sql: "SELECT * FROM work_order WHERE work_order_id = ?", arguments: [update.workOrderId])
        let carried = update.dispatchedAt != nil
        func keep(_ column: String) -> String? { old?[column] }
        let at = ts(update.at)
        let newRound: Set<WorkOrderUpdate.Change> = [.created, .reassigned, .escalated, .reopened, .released]
        let startsRound = newRound.contains(update.change)
        let dispatchedAt = update.dispatchedAt.map(ts) ?? keep("dispatched_at") ?? at
        let roundStartedAt = update.roundStartedAt.map(ts) ?? (startsRound ? at : keep("round_started_at")) ?? dispatchedAt
        func lifecycle(_ field: Date?, _ column: String, setBy changes: Set<WorkOrderUpdate.Change>) -> String? {
            if carried { return field.map(ts) }
            if changes.contains(update.change) { return at }
            return startsRound ? nil : keep(column)
        }
        let signedAt = lifecycle(update.signedAt, "signed_at", setBy: [.signed])
        let onSiteAt = lifecycle(update.onSiteAt, "on_site_at", setBy: [.onSite])
        let resolvedAt = lifecycle(update.resolvedAt, "resolved_at", setBy: [.resolved, .answered])
        let closedAt = lifecycle(update.closedAt, "closed_at", setBy: [.closed, .answered, .merged])
        let waiting = update.status == .held || update.status == .returned
        let reviewStartedAt: String? = waiting
            ? ((update.change == .held || update.change == .returned) ? at : keep("review_started_at") ?? at) : nil
        var result: String? = update.result ?? keep("result")
        if startsRound { result = nil }
        var satisfied: Bool? = update.feedback?.satisfied ?? (old?["feedback_satisfied"] as Bool?)
        var comment: String? = update.feedback?.comment ?? keep("feedback_comment")
        if startsRound && update.feedback == nil {
            satisfied = nil
            comment = nil
        }
        try db.execute(sql: """
            INSERT OR REPLACE INTO work_order (work_order_id, event_id, version, source, source_id, category, level, town, village,
                grid, unit_id, unit_name, co_unit_ids, status, text, address, reporter_name, reporter_phone, occurred_at,
                dispatched_at, round, round_started_at, sign_by, on_site_by, resolve_by, review_by, review_started_at, signed_at,
                on_site_at, resolved_at, closed_at, result, feedback_satisfied, feedback_comment, hotspot_alert_id, merged_into,
                proposed_unit_id, return_reason, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                update.workOrderId, update.eventId, update.sequence, update.source.rawValue, update.sourceId,
                update.category.rawValue, update.level.rawValue, update.town, update.village, update.grid, update.unitId,
                update.unitName, (update.coUnitIds ?? []).joined(separator: ","), update.status.rawValue, update.text,
                update.address, update.reporter?.name, update.reporter?.phone, ts(update.occurredAt), dispatchedAt,
                update.round ?? (old?["round"] as Int?) ?? 1, roundStartedAt, ts(update.signBy), update.onSiteBy.map(ts),
                ts(update.resolveBy), waiting ? update.reviewBy.map(ts) : nil, reviewStartedAt, signedAt, onSiteAt, resolvedAt,
                closedAt, result, satisfied, comment, update.hotspotAlertId ?? keep("hotspot_alert_id"),
                update.mergedInto ?? keep("merged_into"), update.change == .returned ? update.proposedUnitId : nil,
                update.status == .returned ? (update.reason ?? keep("return_reason")) : nil, at,
            ])
    }

    /// The hand-over this message belongs to (from the order as the message says; for messages without
    /// the lifecycle fields, from the copy just saved): who had it, its deadlines, when it was signed and
    /// resolved, and whether it was returned, reopened, or the citizen satisfied.
    private static func applyRound(_ update: WorkOrderUpdate, db: Database) throws {
        guard let order = try Row.fetchOne(db, sql: "SELECT * FROM work_order WHERE work_order_id = ?",
                                           arguments: [update.workOrderId]),
              (order["round"] as Int) >= 1, update.status != .held, update.status != .merged
        else { return }
        let started: String = order["round_started_at"]
        // A refused return continues the hand-over it interrupted (same start); the unit is the round's.
        try db.execute(sql: """
            INSERT INTO handling_round (work_order_id, started_at, unit_id, town, sign_by, resolve_by, signed_at, resolved_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (work_order_id, started_at) DO UPDATE SET unit_id = excluded.unit_id, town = excluded.town,
                sign_by = excluded.sign_by, resolve_by = excluded.resolve_by,
                signed_at = COALESCE(excluded.signed_at, handling_round.signed_at),
                resolved_at = COALESCE(excluded.resolved_at, handling_round.resolved_at)
            """, arguments: [update.workOrderId, started, order["unit_id"] as String, order["town"] as String?,
                             order["sign_by"] as String, order["resolve_by"] as String, order["signed_at"] as String?,
                             order["resolved_at"] as String?])
        switch update.change {
        case .returned:
            try db.execute(sql: "UPDATE handling_round SET returned = 1 WHERE work_order_id = ? AND started_at = ?",
                           arguments: [update.workOrderId, started])
        case .closed where update.feedback != nil:
            try db.execute(sql: "UPDATE handling_round SET satisfied = ? WHERE work_order_id = ? AND started_at = ?",
                           arguments: [update.feedback!.satisfied, update.workOrderId, started])
        case .reopened:
            // The hand-over whose resolution did not hold.
            try db.execute(sql: """
                UPDATE handling_round SET reopened = 1, satisfied = COALESCE(?, satisfied)
                WHERE work_order_id = ? AND started_at = (
                    SELECT MAX(started_at) FROM handling_round WHERE work_order_id = ? AND started_at < ? AND resolved_at IS NOT NULL)
                """, arguments: [update.feedback.map { $0.satisfied }, update.workOrderId, update.workOrderId, started])
        default:
            break
        }
    }

    static func ts(_ date: Date) -> String { MessageCoding.formatTimestamp(date) }
}
