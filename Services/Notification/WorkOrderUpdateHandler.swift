import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Turns work-order updates into notifications, written in the same transaction that marks the update
/// processed; `DeliveryWorker` delivers them. A unit without a webhook gets its notification logged and
/// marked undeliverable, never dropped.
struct WorkOrderUpdateHandler: MessageHandler {
    let units: UnitsDirectory
    let logger: Logger
    /// Called after each commit: wakes the delivery worker.
    let onCommit: @Sendable () -> Void

    func didCommit() { onCommit() }

    /// One set of notifications per work-order change, however often the change is delivered.
    func idempotencyKey(for message: KafkaMessage) -> String {
        guard let update = try? MessageCoding.decode(WorkOrderUpdate.self, from: message.value) else {
            return message.coordinates
        }
        return "update:\(update.workOrderId):\(update.sequence)"
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let update: WorkOrderUpdate
        do {
            update = try MessageCoding.decode(WorkOrderUpdate.self, from: message.value)
        } catch {
            throw UnprocessableMessage("not a workorders.updates v1 message: \(error)")
        }
        guard update.schemaVersion == WorkOrderUpdate.currentSchemaVersion else {
            throw UnprocessableMessage("workorders.updates schemaVersion \(update.schemaVersion) is not supported")
        }
        guard update.change == .created else { return }  // later changes: issue 5
        let notificationId = "nt-\(update.workOrderId)-\(update.sequence)-\(update.unitId)"
        let sheet = InstructionSheet(notificationId: notificationId, update: update)
        let webhook = units.unit(id: update.unitId)?.webhook
        try NotificationStore.insert(
            id: notificationId, kind: .newWorkOrder, update: update, channel: webhook == nil ? "none" : "webhook",
            target: webhook, payload: try MessageCoding.encode(sheet), db: db, now: now)
        if webhook == nil {
            logger.warning("Unit has no webhook; notification kept as undeliverable", metadata: [
                "event.id": "\(update.eventId)", "workOrder.id": "\(update.workOrderId)", "unit.id": "\(update.unitId)",
                "notification.id": "\(notificationId)", "notification.text": "\(sheet.message)",
            ])
            try NotificationStore.finish(
                id: notificationId, status: .undeliverable, attempts: 0,
                detail: "unit \(update.unitId) has no webhook configured", db: db, now: now)
        }
    }
}
