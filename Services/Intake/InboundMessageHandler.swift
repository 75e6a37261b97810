import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Takes what outside systems publish on `intake.<source>` to the intake desk.
struct InboundMessageHandler: MessageHandler {
    let desk: IntakeDesk

    func eventId(of message: KafkaMessage) -> String? { nil }

    /// Where the message sits and what it is: a redelivery (same place, same bytes) is skipped; a new
    /// message at a reused offset (a topic recreated, a development broker reset) is new; a sender's
    /// re-publish (same bytes, new offset) reaches the desk, which drops it by source and id and counts it.
    func idempotencyKey(for message: KafkaMessage) -> String {
        "inbound:\(message.coordinates):\(message.value.count):\(String(FNV1a.hash(message.key ?? []), radix: 16)):"
            + String(FNV1a.hash(message.value), radix: 16)
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        guard let source = Source(inboundTopic: message.topic) else {
            throw UnprocessableMessage("topic \(message.topic) is not an inbound topic")
        }
        _ = try desk.receive(
            message.value, source: source, origin: "kafka:\(message.coordinates)", senderKey: message.keyString, db: db,
            now: now)
    }
}
