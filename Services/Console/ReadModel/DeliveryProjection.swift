import Foundation
import GRDB
import MinshengModel

/// Keeps the `delivery` table from `notifications.deliveries`: the final outcome of each notification.
enum DeliveryProjection {
    static func apply(_ result: DeliveryResult, db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO delivery (notification_id, event_id, work_order_id, subject_id, kind, recipient,
                                             recipient_unit_id, channel, outcome, attempts, detail, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                result.notificationId, result.eventId, result.workOrderId, result.subjectId, result.kind, result.recipient,
                result.recipientUnitId, result.channel, result.outcome.rawValue, result.attempts, result.detail,
                MessageCoding.formatTimestamp(result.at),
            ])
    }
}
