import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Intake's consumer: what outside systems publish on `intake.<source>` is validated by whichever
/// instance reads it and handed on to the owner of its (source, id) on `intake.requests`; the owner of
/// a partition of `intake.requests` decides (docs/scaling.md).
struct InboundMessageHandler: MessageHandler {
    let desk: IntakeDesk

    func eventId(of message: KafkaMessage) -> String? { nil }

    /// Where the message sits and what it is: a redelivery (same place, same bytes) is skipped; a new
    /// message at a reused offset (a topic recreated, a development broker reset) is new; a sender's
    /// re-publish (same bytes, new offset) reaches the owner, which drops it by source and id and counts it.
    func idempotencyKey(for message: KafkaMessage) -> String {
        let prefix = message.topic == Topics.intakeRequests ? "request" : "inbound"
        return "\(prefix):\(message.coordinates):\(message.value.count):\(String(FNV1a.hash(message.key ?? []), radix: 16)):"
            + String(FNV1a.hash(message.value), radix: 16)
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        if message.topic == Topics.intakeRequests {
            try decide(message, db: db, now: now)
            return
        }
        guard let source = Source(inboundTopic: message.topic) else {
            throw UnprocessableMessage("topic \(message.topic) is not an inbound topic")
        }
        let routing = try desk.route(
            message.value, source: source, origin: "kafka:\(message.coordinates)", senderKey: message.keyString, db: db, now: now)
        if case .request(let request) = routing {
            try Outbox.enqueue(db, topic: Topics.intakeRequests, key: request.key, message: request, now: now)
        }
    }

    /// As the owner of the message's partition: new or a repeat; the HTTP caller waiting is told.
    private func decide(_ message: KafkaMessage, db: Database, now: Date) throws {
        let request = try message.decode(IntakeRequest.self)
        let decision = try desk.decide(request, partition: message.partition, db: db, now: now)
        guard let replyTo = request.replyTo else { return }
        let reply: IntakeDecision
        switch decision {
        case .accepted(let eventId):
            reply = IntakeDecision(instanceId: replyTo.instanceId, requestId: replyTo.requestId, outcome: .accepted, eventId: eventId, decidedAt: now)
        case .duplicate(let eventId):
            reply = IntakeDecision(instanceId: replyTo.instanceId, requestId: replyTo.requestId, outcome: .duplicate, eventId: eventId, decidedAt: now)
        }
        try Outbox.enqueueReply(db, topic: Topics.intakeReplies, key: replyTo.instanceId, message: reply, now: now)
    }
}

/// Intake's partitioned state: the (source, id) memory of the requests' partitions, restored from
/// `intake.events.changelog`. A record never changes once written, so restoring is an insert that
/// leaves what is there.
struct IntakeState: PartitionedState {
    var inputTopics: Set<String> { [Topics.intakeRequests] }
    var changelogTopic: String { Topics.intakeEventsChangelog }

    func restore(_ record: KafkaMessage, db: Database) throws {
        let event = try record.decode(IntakeEventRecord.self)
        try db.run("""
            INSERT OR IGNORE INTO event (event_id, source, source_id, origin, received_at, payload_hash, payload, partition)
            VALUES (?, ?, ?, ?, ?, ?, x'', ?)
            """, [event.eventId, event.source.rawValue, event.sourceId, event.origin,
                  MessageCoding.formatTimestamp(event.receivedAt), event.contentHash, record.partition])
    }
}
