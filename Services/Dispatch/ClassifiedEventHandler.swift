import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Turns each classified event into a work order for the unit the routing table names, and publishes
/// the new order on `workorders.updates`. A 110 police matter went back to the 110 system instead: it is
/// recorded, not dispatched. Police matters from other channels go to the unit the rules name for police
/// matters (the shipped rules: the public security bureau).
struct ClassifiedEventHandler: MessageHandler {
    let routing: RoutingTable
    let units: UnitsDirectory
    let logger: Logger

    /// One work order per event, however often the event is delivered or re-published.
    func idempotencyKey(for message: KafkaMessage) -> String {
        "classified:" + (message.keyString ?? message.coordinates)
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let event: ClassifiedEvent
        do {
            event = try MessageCoding.decode(ClassifiedEvent.self, from: message.value)
        } catch {
            throw UnprocessableMessage("not an events.classified v1 message: \(error)")
        }
        guard event.schemaVersion == ClassifiedEvent.currentSchemaVersion else {
            throw UnprocessableMessage("events.classified schemaVersion \(event.schemaVersion) is not supported")
        }
        if event.police && event.source == .police110 {
            try db.execute(sql: "INSERT OR IGNORE INTO police_return (event_id, source_id, received_at) VALUES (?, ?, ?)",
                           arguments: [event.eventId, event.sourceId, MessageCoding.formatTimestamp(now)])
            logger.debug("110 police matter not dispatched", metadata: ["event.id": "\(event.eventId)"])
            return
        }
        if try WorkOrderStore.exists(eventId: event.eventId, db: db) { return }
        let order = try createWorkOrder(for: event, db: db, now: now)
        let unitName = units.unit(id: order.unitId)?.name ?? order.unitId
        try Outbox.enqueue(db, topic: Topics.workOrderUpdates, key: event.eventId, message: WorkOrderUpdate(
            eventId: event.eventId, workOrderId: order.workOrderId, sequence: order.version, change: .created,
            status: order.status, unitId: order.unitId, unitName: unitName, category: order.category, level: order.level,
            town: order.town, village: order.village, grid: order.grid, source: order.source, sourceId: order.sourceId,
            text: order.text, address: order.address, reporter: order.reporter, occurredAt: order.occurredAt,
            signBy: order.signBy, resolveBy: order.resolveBy, at: now), now: now)
        Counter(label: "minsheng_workorders_created_total", dimensions: [("level", order.level.rawValue)]).increment()
        logger.info("Work order dispatched", metadata: [
            "event.id": "\(event.eventId)", "workOrder.id": "\(order.workOrderId)", "unit.id": "\(order.unitId)",
            "level": "\(order.level.rawValue)", "category": "\(order.category.rawValue)",
        ])
    }

    func createWorkOrder(for event: ClassifiedEvent, db: Database, now: Date) throws -> WorkOrder {
        guard let unitId = routing.unitId(category: event.category, town: event.town, police: event.police) else {
            // Start-up checks guarantee a catch-all rule; this is a bug, not bad input.
            throw UnprocessableMessage("no routing rule matches \(event.category.rawValue) in \(event.town ?? "unknown town")")
        }
        let deadline = routing.deadline(for: event.level)
        let (id, seq) = try WorkOrderStore.nextIdentity(db, now: now)
        let order = WorkOrder(
            workOrderId: id, eventId: event.eventId, source: event.source, sourceId: event.sourceId,
            category: event.category, level: event.level, town: event.town, village: event.village, grid: event.grid,
            unitId: unitId, status: .dispatched, text: event.text, address: event.address, reporter: event.reporter,
            occurredAt: event.occurredAt, dispatchedAt: now,
            signBy: now.addingTimeInterval(TimeInterval(deadline.signMinutes * 60)),
            resolveBy: now.addingTimeInterval(TimeInterval(deadline.resolveMinutes * 60)),
            version: 1,
            timeline: [.init(version: 1, at: now, actor: "dispatch", change: "created",
                             note: "routed to \(unitId) (\(event.category.rawValue), \(event.town ?? "town unknown"))")])
        try WorkOrderStore.insert(order, seq: seq, db: db)
        return order
    }
}
