import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Turns each classified event into a work order for the unit the routing rules name, and publishes the
/// new order on `workorders.updates`. A repeat report (`duplicateOf` an event whose work order is not
/// closed) is attached to that order instead (并案). A 110 police matter went back to the 110 system: it
/// is recorded, not dispatched. Police matters from other channels go to the unit the rules name for
/// police matters (the shipped rules: the public security bureau).
struct ClassifiedEventHandler: MessageHandler {
    let configuration: ConfigStore
    let logger: Logger
    /// Called after each commit: wakes the deadline watcher for the new timers.
    var onCommit: @Sendable () -> Void = {}

    func didCommit() { onCommit() }

    /// One work order per event, however often the event is delivered or re-published. The key is the
    /// matter (a repeat travels under its original's id), so the event id is read from the message.
    func idempotencyKey(for message: KafkaMessage) -> String {
        "classified:" + (eventId(of: message) ?? message.coordinates)
    }

    func eventId(of message: KafkaMessage) -> String? {
        (try? MessageCoding.decode(EventReference.self, from: message.value))?.eventId ?? message.keyString
    }

    /// The one field the idempotency key needs.
    private struct EventReference: Decodable { var eventId: String }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let event = try message.decode(ClassifiedEvent.self)
        if event.police && event.source == .police110 {
            try db.run("INSERT OR IGNORE INTO police_return (event_id, source_id, received_at) VALUES (?, ?, ?)",
                           [event.eventId, event.sourceId, MessageCoding.formatTimestamp(now)])
            logger.debug("110 police matter not dispatched", metadata: ["event.id": "\(event.eventId)"])
            return
        }
        if try WorkOrderStore.exists(eventId: event.eventId, db: db) { return }
        let desk = WorkOrderDesk(configuration: configuration.current, logger: logger)
        if let original = event.duplicateOf {
            if let workOrderId = try WorkOrderStore.workOrderId(containing: original, db: db),
               let order = try desk.attach(event, to: workOrderId, db: db, now: now) {
                logger.info("Repeat report attached to its work order", metadata: [
                    "event.id": "\(event.eventId)", "workOrder.id": "\(order.workOrderId)", "event.duplicateOf": "\(original)",
                ])
                return
            }
            logger.info("Repeat report of no open work order; dispatched on its own", metadata: [
                "event.id": "\(event.eventId)", "event.duplicateOf": "\(original)",
            ])
        }
        let order = try desk.create(for: event, partition: message.partition, db: db, now: now)
        logger.info("Work order dispatched", metadata: [
            "event.id": "\(event.eventId)", "workOrder.id": "\(order.workOrderId)", "unit.id": "\(order.unitId)",
            "level": "\(order.level.rawValue)", "category": "\(order.category.rawValue)",
        ])
    }
}
