import Foundation
import GRDB
import Logging
import Metrics
import MinshengModel
import MinshengPlatform

/// The one window (一窗式受理) every channel comes through, Kafka or HTTP, in two steps:
///
/// - `route` (any instance, no state): validates; a refusal is recorded and put on `events.rejected`;
///   a valid event becomes an `IntakeRequest` for the instance that owns its (source, id).
/// - `decide` (the owner of the request's partition of `intake.requests`): drops a repeat of the same
///   source and id, else records the event and puts it on `events.accepted`, with its changelog record.
///
/// Everything happens in the caller's transaction, through the outbox. Ids are derived from what they
/// name (`StableId`), so a request decided twice around a hand-over gives the same event.
struct IntakeDesk: Sendable {
    enum Routing: Sendable, Equatable {
        case request(IntakeRequest)
        case rejected(RejectedEvent)
    }

    enum Decision: Sendable, Equatable {
        case accepted(eventId: String)
        /// The same source and id came before; nothing new is published.
        case duplicate(eventId: String)
    }

    /// Both steps at once (one instance deciding everything itself): for tests of the desk's rules.
    enum Outcome: Sendable, Equatable {
        case accepted(eventId: String)
        case duplicate(eventId: String)
        case rejected(RejectedEvent)
    }

    let validator = InboundEventValidator()
    let logger: Logger

    /// Validates `bytes` from `source`. A refusal is written (table and `events.rejected`); a valid event
    /// is returned as the request its owner decides on (the caller publishes it).
    /// - Parameter senderKey: the Kafka key the sender gave the message, when it came over Kafka with one.
    func route(
        _ bytes: [UInt8], source: Source, origin: String, senderKey: String? = nil, replyTo: IntakeRequest.ReplyTo? = nil,
        db: Database, now: Date
    ) throws -> Routing {
        switch validator.validate(bytes, now: now) {
        case .failure(let refusal):
            let rejected = RejectedEvent(
                eventId: StableId.make("rj", bytes: Array("\(source.rawValue)\n\(origin)\n".utf8) + bytes), source: source,
                sourceId: refusal.sourceId, origin: origin, reason: refusal.reason.rawValue, field: refusal.field,
                message: refusal.message, original: bytes, originalKey: senderKey, rejectedAt: now)
            try db.run("""
                INSERT OR IGNORE INTO rejection (rejection_id, source, source_id, origin, reason, field, message, original, rejected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [rejected.eventId, source.rawValue, refusal.sourceId, origin, refusal.reason.rawValue,
                      refusal.field, refusal.message, Data(bytes), MessageCoding.formatTimestamp(now)])
            // Keyed so the sender can find its refusal: its id, else its own Kafka key, else where it came in.
            try Outbox.enqueue(
                db, topic: Topics.eventsRejected, key: refusal.sourceId ?? senderKey ?? origin, message: rejected, now: now)
            count(source, "rejected")
            logger.info("Event rejected", metadata: [
                "event.source": "\(source.rawValue)", "event.sourceId": "\(refusal.sourceId ?? "-")", "origin": "\(origin)",
                "reason": "\(refusal.reason.rawValue)", "field": "\(refusal.field ?? "-")",
            ])
            return .rejected(rejected)

        case .success(let valid):
            return .request(IntakeRequest(
                eventId: StableId.event(source: source, sourceId: valid.sourceId, occurredAt: valid.occurredAt),
                source: source, sourceId: valid.sourceId, origin: origin, occurredAt: valid.occurredAt, receivedAt: now,
                text: valid.text, requestType: valid.requestType, reporter: valid.reporter, address: valid.address,
                location: valid.location, extra: valid.extra, contentHash: Self.contentHash(bytes), replyTo: replyTo))
        }
    }

    /// Decides on `request` as the owner of `partition`: new, or a repeat of its source and id.
    func decide(_ request: IntakeRequest, partition: Int32, db: Database, now: Date) throws -> Decision {
        if let existing = try Row.fetchOne(
            db.cached("SELECT event_id, payload_hash FROM event WHERE source = ? AND source_id = ?"),
            arguments: [request.source.rawValue, request.sourceId]) {
            let eventId: String = existing["event_id"]
            let sameContent = (existing["payload_hash"] as String) == request.contentHash
            try db.run("UPDATE event SET repeats = repeats + 1 WHERE event_id = ?", [eventId])
            count(request.source, "duplicate")
            logger.debug("Repeated event dropped", metadata: [
                "event.id": "\(eventId)", "event.source": "\(request.source.rawValue)", "event.sourceId": "\(request.sourceId)",
                "sameContent": "\(sameContent)",
            ])
            if !sameContent {
                logger.warning("Event id reused with different content; first version kept", metadata: [
                    "event.id": "\(eventId)", "event.source": "\(request.source.rawValue)", "event.sourceId": "\(request.sourceId)",
                ])
            }
            return .duplicate(eventId: eventId)
        }
        let accepted = request.accepted
        let payload = try MessageCoding.encode(accepted)
        try db.run("""
            INSERT INTO event (event_id, source, source_id, origin, received_at, payload_hash, payload, partition)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [accepted.eventId, request.source.rawValue, request.sourceId, request.origin,
                  MessageCoding.formatTimestamp(request.receivedAt), request.contentHash, Data(payload), partition])
        try Outbox.enqueue(db, topic: Topics.eventsAccepted, key: accepted.eventId, payload: payload, now: now)
        // The changelog after the output: a record in Kafka means the event is there too.
        try Changelog.record(
            db, topic: Topics.intakeEventsChangelog, partition: partition, key: request.key,
            value: IntakeEventRecord(source: request.source, sourceId: request.sourceId, eventId: accepted.eventId,
                                     contentHash: request.contentHash, origin: request.origin, receivedAt: request.receivedAt),
            now: now)
        count(request.source, "accepted")
        logger.debug("Event accepted", metadata: [
            "event.id": "\(accepted.eventId)", "event.source": "\(request.source.rawValue)", "event.sourceId": "\(request.sourceId)",
        ])
        return .accepted(eventId: accepted.eventId)
    }

    /// Routes and decides in one go, as the owner of partition 0 would.
    func receive(
        _ bytes: [UInt8], source: Source, origin: String, senderKey: String? = nil, db: Database, now: Date
    ) throws -> Outcome {
        switch try route(bytes, source: source, origin: origin, senderKey: senderKey, db: db, now: now) {
        case .rejected(let rejected): return .rejected(rejected)
        case .request(let request):
            switch try decide(request, partition: 0, db: db, now: now) {
            case .accepted(let eventId): return .accepted(eventId: eventId)
            case .duplicate(let eventId): return .duplicate(eventId: eventId)
            }
        }
    }

    private func count(_ source: Source, _ outcome: String) {
        Counter(label: "minsheng_intake_events_total", dimensions: [("source", source.rawValue), ("outcome", outcome)]).increment()
    }

    /// FNV-1a 64 of the raw bytes: tells an exact repeat from a changed re-send.
    static func contentHash(_ bytes: [UInt8]) -> String {
        String(FNV1a.hash(bytes), radix: 16)
    }
}
