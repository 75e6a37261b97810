import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Turns work-order updates and hotspot alerts into notifications, written in the same transaction that
/// marks the message processed; `DeliveryWorker` delivers them. A recipient without a channel gets its
/// notification logged and marked undeliverable, never dropped.
struct TriggerHandler: MessageHandler {
    let planner: NotificationPlanner
    let logger: Logger
    /// Called after each commit: wakes the delivery worker.
    let onCommit: @Sendable () -> Void

    func didCommit() { onCommit() }

    /// One set of notifications per work-order change or alert, however often it is delivered.
    func idempotencyKey(for message: KafkaMessage) -> String {
        if message.topic == Topics.hotspotAlerts,
           let alert = try? MessageCoding.decode(HotspotAlert.self, from: message.value) {
            return "alert:\(alert.alertId)"
        }
        if let update = try? MessageCoding.decode(WorkOrderUpdate.self, from: message.value) {
            return "update:\(update.workOrderId):\(update.sequence)"
        }
        return message.coordinates
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let planned: [PlannedNotification]
        if message.topic == Topics.hotspotAlerts {
            planned = try planner.plan(try message.decode(HotspotAlert.self), now: now)
        } else {
            planned = try planner.plan(try message.decode(WorkOrderUpdate.self), now: now)
        }
        for notification in planned where try NotificationStore.insert(notification, db: db, now: now) {
            if notification.channel == "none" {
                logger.warning("No channel for recipient; notification kept as undeliverable", metadata: [
                    "event.id": "\(notification.eventId)", "subject.id": "\(notification.subjectId)",
                    "recipient": "\(NotificationStore.masked(notification.recipient))", "notification.id": "\(notification.id)",
                    "notification.text": "\(notification.text)",
                ])
            }
        }
    }
}
