import Foundation
import MinshengModel

extension WorkOrderUpdate {
    /// What a change says besides the order itself.
    struct Details: Sendable {
        var note: String?
        var result: String?
        var reason: String?
        var previousUnitId: String?
        var supervisorUnitId: String?
        var deadline: Deadline?
        var feedback: Feedback?
        var attachedEvent: AttachedEvent?
        var proposedUnitId: String?
    }

    /// The message for `change`, made just now, of an order as it stands after the change.
    init(order: WorkOrder, change: Change, actor: String, person: ActingPerson? = nil, unitName: String, at: Date,
         details: Details = Details()) {
        let coUnits = order.coUnitIds ?? []
        self.init(
            eventId: order.eventId, workOrderId: order.workOrderId, sequence: order.version, change: change,
            status: order.status, unitId: order.unitId, unitName: unitName, category: order.category, level: order.level,
            town: order.town, village: order.village, grid: order.grid, source: order.source, sourceId: order.sourceId,
            text: order.text, address: order.address, reporter: order.reporter, occurredAt: order.occurredAt,
            signBy: order.signBy, resolveBy: order.resolveBy, at: at, actor: actor, note: details.note,
            result: details.result, reason: details.reason, previousUnitId: details.previousUnitId,
            coUnitIds: coUnits.isEmpty ? nil : coUnits, supervisorUnitId: details.supervisorUnitId,
            deadline: details.deadline, onSiteBy: order.onSiteBy, feedback: details.feedback,
            attachedEvent: details.attachedEvent, person: person, dispatchedAt: order.dispatchedAt,
            round: order.round ?? 1, roundStartedAt: order.roundStartedAt ?? order.dispatchedAt, signedAt: order.signedAt,
            onSiteAt: order.onSiteAt, resolvedAt: order.resolvedAt, closedAt: order.closedAt, reviewBy: order.reviewBy,
            proposedUnitId: details.proposedUnitId, mergedInto: order.mergedInto, hotspotAlertId: order.hotspotAlertId)
    }
}
