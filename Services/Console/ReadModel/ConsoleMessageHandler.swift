import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Builds the console's read model from the topics it reads, one projection per topic, in the
/// consumer's transaction. The projections are idempotent (upserts, sequence checks), so the default
/// key (the message's coordinates) is enough: a copy re-published at another offset changes nothing.
struct ConsoleMessageHandler: MessageHandler {
    static let topics = [
        Topics.eventsAccepted, Topics.eventsRejected, Topics.eventsClassified, Topics.police110Returns,
        Topics.workOrderUpdates, Topics.hotspotAlerts, Topics.notificationDeliveries,
    ]

    let feed: ChangeFeed
    let logger: Logger

    func didCommit() { feed.commit() }

    func eventId(of message: KafkaMessage) -> String? { message.topic == Topics.hotspotAlerts ? nil : message.keyString }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        switch message.topic {
        case Topics.eventsAccepted:
            try EventProjection.apply(try message.decode(AcceptedEvent.self), db: db)
            feed.stage("events")
        case Topics.eventsRejected:
            try EventProjection.apply(try message.decode(RejectedEvent.self), db: db)
            feed.stage("events")
        case Topics.eventsClassified:
            try EventProjection.apply(try message.decode(ClassifiedEvent.self), db: db)
            feed.stage("events")
        case Topics.police110Returns:
            try EventProjection.apply(try message.decode(PoliceReturn.self), db: db)
            feed.stage("events")
        case Topics.workOrderUpdates:
            let update = try message.decode(WorkOrderUpdate.self)
            if try WorkOrderProjection.apply(update, db: db) == .stale {
                logger.info("Older work-order change than the copy; timeline only", metadata: [
                    "workOrder.id": "\(update.workOrderId)", "sequence": "\(update.sequence)",
                ])
            }
            feed.stage("workorders")
        case Topics.hotspotAlerts:
            try HotspotProjection.apply(try message.decode(HotspotAlert.self), db: db)
            feed.stage("hotspots")
        case Topics.notificationDeliveries:
            try DeliveryProjection.apply(try message.decode(DeliveryResult.self), db: db)
            feed.stage("deliveries")
        default:
            throw UnprocessableMessage("the console does not read \(message.topic)")
        }
    }
}
