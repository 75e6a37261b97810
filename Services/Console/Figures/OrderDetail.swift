import Foundation
import GRDB
import MinshengModel

/// A work order's page: the order, its whole timeline (who — unit and person — did what, when), every
/// report attached to it, and every notification sent about it.
struct OrderDetail: Codable, Sendable {
    struct Change: Codable, Sendable, Equatable {
        var sequence: Int
        var change: String
        var status: String
        var at: Date
        var actor: String?
        var actorName: String?
        var personId: String?
        var personName: String?
        var unitId: String
        var unitName: String
        var note: String?
        var reason: String?
        var result: String?
        var deadline: String?
    }

    struct Report: Codable, Sendable, Equatable {
        var eventId: String
        var source: String?
        var sourceId: String?
        var text: String?
        var address: String?
        var reporterName: String?
        var reporterPhone: String?
        var receivedAt: Date?
        var attachedAt: Date
        var category: String?
        var level: String?
        var confidence: Double?
        var explanation: String?
        var needsReview: Bool?
        var requestType: String?
    }

    struct Notification: Codable, Sendable, Equatable {
        var notificationId: String
        var kind: String
        var recipient: String
        var recipientUnitId: String?
        var channel: String
        var outcome: String
        var attempts: Int
        var detail: String
        var at: Date
    }

    var order: OrderSummary
    var feedback: Feedback?
    var timeline: [Change]
    var reports: [Report]
    var notifications: [Notification]

    struct Feedback: Codable, Sendable, Equatable {
        var satisfied: Bool
        var comment: String?
    }

    static func find(_ id: String, configuration: ConsoleConfiguration, maskPhones: Bool, db: Database, now: Date) throws -> OrderDetail? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM work_order WHERE work_order_id = ?", arguments: [id]) else { return nil }
        let order = OrderSummary.from(row, now: now, fraction: configuration.warningFraction, units: configuration.units,
                                      maskPhone: maskPhones)
        func date(_ row: Row, _ column: String) -> Date? { (row[column] as String?).flatMap(MessageCoding.parseTimestamp) }
        let timeline = try Row.fetchAll(db, sql: "SELECT * FROM work_order_change WHERE work_order_id = ? ORDER BY sequence",
                                        arguments: [id]).map { change in
            let actor: String? = change["actor"]
            let unit: String = change["unit_id"]
            return Change(sequence: change["sequence"], change: change["change"], status: change["status"], at: date(change, "at")!,
                          actor: actor, actorName: actor.map { $0 == "dispatch" ? "系统" : configuration.unitName($0) },
                          personId: change["person_id"], personName: change["person_name"], unitId: unit,
                          unitName: configuration.unitName(unit), note: change["note"], reason: change["reason"],
                          result: change["result"], deadline: change["deadline"])
        }
        let reports = try Row.fetchAll(db, sql: """
            SELECT we.event_id, we.attached_at, e.* FROM work_order_event we LEFT JOIN event e ON e.event_id = we.event_id
            WHERE we.work_order_id = ? ORDER BY we.attached_at, we.event_id
            """, arguments: [id]).map { event in
            let phone: String? = event["reporter_phone"]
            return Report(eventId: event["event_id"], source: event["source"], sourceId: event["source_id"], text: event["text"],
                          address: event["address"], reporterName: event["reporter_name"],
                          reporterPhone: maskPhones ? phone.map(OrderSummary.mask) : phone, receivedAt: date(event, "received_at"),
                          attachedAt: date(event, "attached_at")!, category: event["category"], level: event["level"],
                          confidence: event["confidence"], explanation: event["explanation"],
                          needsReview: (event["needs_review"] as Int?).map { $0 == 1 }, requestType: event["request_type"])
        }
        let notifications = try Row.fetchAll(db, sql: "SELECT * FROM delivery WHERE work_order_id = ? OR subject_id = ? ORDER BY at",
                                             arguments: [id, id]).map { delivery in
            let recipient: String = delivery["recipient"]
            return Notification(notificationId: delivery["notification_id"], kind: delivery["kind"],
                                recipient: maskPhones && recipient.hasPrefix("citizen:") ? "citizen:" + OrderSummary.mask(String(recipient.dropFirst(8))) : recipient,
                                recipientUnitId: delivery["recipient_unit_id"], channel: delivery["channel"], outcome: delivery["outcome"],
                                attempts: delivery["attempts"], detail: delivery["detail"], at: date(delivery, "at")!)
        }
        let satisfied: Bool? = row["feedback_satisfied"]
        return OrderDetail(order: order, feedback: satisfied.map { Feedback(satisfied: $0, comment: row["feedback_comment"]) },
                           timeline: timeline, reports: reports, notifications: notifications)
    }
}
