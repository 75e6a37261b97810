import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Takes what outside systems publish on `intake.<source>` to the intake desk.
struct InboundMessageHandler: MessageHandler {
    let desk: IntakeDesk

    func eventId(of message: KafkaMessage) -> String? { nil }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        guard let source = Source(inboundTopic: message.topic) else {
            throw UnprocessableMessage("topic \(message.topic) is not an inbound topic")
        }
        _ = try desk.receive(message.value, source: source, origin: "kafka:\(message.coordinates)", db: db, now: now)
    }
}
