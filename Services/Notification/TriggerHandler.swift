import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Turns work-order updates and hotspot alerts into notifications, written in the same transaction that
/// marks the message processed; `DeliveryWorker` delivers them. A recipient without a channel gets its
/// notification logged and marked undeliverable, never dropped.
///
/// What it stores belongs to the state partition of the message (`DeliveriesState`): the notifications
/// and the work order's latest change. The transaction ends with their records in the changelog, after
/// the outputs (delivery results of notifications finished at once), the work order's change last: a new
/// owner that restores it treats the change as done, so everything the change planned must be there.
struct TriggerHandler: MessageHandler {
    let planner: NotificationPlanner
    let logger: Logger
    /// Called after each commit: wakes the delivery worker.
    let onCommit: @Sendable () -> Void
    /// At most so many SMS to one phone a day; nil: no limit.
    var smsLimit: SmsDailyLimit? = nil

    func didCommit() { onCommit() }

    /// Whether `update` is newer than every change of its order acted on so far (and notes it). An older
    /// change that arrives late (a re-send after an outage) would tell people something that is no longer
    /// true: a sheet for a unit the order has left, a warning for a deadline already met. Only the
    /// receipt of an attached report is still due whenever it comes.
    /// The latest change is part of the partition's state: restored from the changelog by a new owner, so
    /// a stale change is recognised whoever owned the partition when the later one came.
    static func isCurrent(_ update: WorkOrderUpdate, partition: Int32?, db: Database, now: Date) throws -> Bool {
        let latest = try latestSequence(of: update.workOrderId, db: db)
        if let latest, update.sequence <= latest { return update.change == .attached }
        try db.run("""
            INSERT INTO work_order_change (work_order_id, sequence, seen_at, partition) VALUES (?, ?, ?, ?)
            ON CONFLICT (work_order_id) DO UPDATE SET sequence = excluded.sequence, seen_at = excluded.seen_at,
                partition = excluded.partition
            """, [update.workOrderId, update.sequence, MessageCoding.formatTimestamp(now), partition])
        return true
    }

    static func latestSequence(of workOrderId: String, db: Database) throws -> Int? {
        try Int.fetchOne(db.cached("SELECT sequence FROM work_order_change WHERE work_order_id = ?"), arguments: [workOrderId])
    }

    /// One set of notifications per work-order change or alert, however often it is delivered.
    func idempotencyKey(for message: KafkaMessage) -> String {
        // Only the identifying fields are decoded (the message itself is decoded once, in `handle`).
        if message.topic == Topics.hotspotAlerts,
           let alert = try? MessageCoding.decode(AlertIdentity.self, from: message.value) {
            return "alert:\(alert.alertId)"
        }
        if let update = try? MessageCoding.decode(UpdateIdentity.self, from: message.value) {
            return "update:\(update.workOrderId):\(update.sequence)"
        }
        return message.coordinates
    }

    private struct AlertIdentity: Decodable { var alertId: String }
    private struct UpdateIdentity: Decodable {
        var workOrderId: String
        var sequence: Int
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let planned: [PlannedNotification]
        var update: WorkOrderUpdate?
        if message.topic == Topics.hotspotAlerts {
            planned = try planner.plan(try message.decode(HotspotAlert.self), now: now)
        } else {
            let change = try message.decode(WorkOrderUpdate.self)
            update = change
            guard try Self.isCurrent(change, partition: message.partition, db: db, now: now) else {
                logger.info("Stale work-order change ignored: a later one was already acted on", metadata: [
                    "event.id": "\(change.eventId)", "workOrder.id": "\(change.workOrderId)",
                    "sequence": "\(change.sequence)", "change": "\(change.change.rawValue)",
                ])
                return
            }
            planned = try planner.plan(change, now: now)
        }
        var stored: [String] = []
        for notification in planned where try NotificationStore.insert(notification, partition: message.partition, db: db, now: now) {
            stored.append(notification.id)
            if notification.channel == "none" {
                // Ids only: the text and the recipient hold personal data.
                logger.warning("No channel for recipient; notification kept as undeliverable", metadata: [
                    "event.id": "\(notification.eventId)", "subject.id": "\(notification.subjectId)",
                    "notification.id": "\(notification.id)", "unit.id": "\(notification.unitId ?? "-")",
                ])
            } else if notification.channel == "sms", let smsLimit,
                      try smsLimit.isExceeded(by: notification, partition: message.partition, db: db, now: now) {
                try NotificationStore.finish(id: notification.id, status: .capped, attempts: 0,
                                             detail: "over the daily SMS limit of \(smsLimit.perPhonePerDay) for this phone", db: db, now: now)
                logger.notice("Daily SMS limit reached for a phone; message recorded, not sent", metadata: [
                    "event.id": "\(notification.eventId)", "notification.id": "\(notification.id)",
                ])
            }
        }
        try NotificationChangelog.record(notifications: stored, db: db, now: now)
        if let update, try Self.latestSequence(of: update.workOrderId, db: db) == update.sequence {
            try NotificationChangelog.record(workOrderChange: update.workOrderId, db: db, now: now)
        }
    }
}
