import Foundation
import GRDB
import Logging
import Metrics
import MinshengModel
import MinshengPlatform

/// The one window (一窗式受理) every channel comes through, Kafka or HTTP: validates, drops repeats of the
/// same source and id, records the event and puts it on `events.accepted` (or the refusal on
/// `events.rejected`) through the outbox, all in the caller's transaction.
struct IntakeDesk: Sendable {
    enum Outcome: Sendable, Equatable {
        case accepted(eventId: String)
        /// The same source and id came before; nothing new is published.
        case duplicate(eventId: String)
        case rejected(RejectedEvent)
    }

    let validator = InboundEventValidator()
    let logger: Logger

    /// - Parameter senderKey: the Kafka key the sender gave the message, when it came over Kafka with one.
    func receive(
        _ bytes: [UInt8], source: Source, origin: String, senderKey: String? = nil, db: Database, now: Date
    ) throws -> Outcome {
        let outcome = try decide(bytes, source: source, origin: origin, senderKey: senderKey, db: db, now: now)
        Counter(label: "minsheng_intake_events_total", dimensions: [("source", source.rawValue), ("outcome", outcome.label)])
            .increment()
        return outcome
    }

    private func decide(
        _ bytes: [UInt8], source: Source, origin: String, senderKey: String?, db: Database, now: Date
    ) throws -> Outcome {
        switch validator.validate(bytes, now: now) {
        case .failure(let refusal):
            let rejected = RejectedEvent(
                eventId: "rj-\(UUID().uuidString.lowercased())", source: source, sourceId: refusal.sourceId, origin: origin,
                reason: refusal.reason.rawValue, field: refusal.field, message: refusal.message, original: bytes,
                originalKey: senderKey, rejectedAt: now)
            try db.run("""
                INSERT INTO rejection (rejection_id, source, source_id, origin, reason, field, message, original, rejected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [rejected.eventId, source.rawValue, refusal.sourceId, origin, refusal.reason.rawValue,
                                 refusal.field, refusal.message, Data(bytes), MessageCoding.formatTimestamp(now)])
            // Keyed so the sender can find its refusal: its id, else its own Kafka key, else where it came in.
            try Outbox.enqueue(
                db, topic: Topics.eventsRejected, key: refusal.sourceId ?? senderKey ?? origin, message: rejected, now: now)
            logger.info("Event rejected", metadata: [
                "event.source": "\(source.rawValue)", "event.sourceId": "\(refusal.sourceId ?? "-")", "origin": "\(origin)",
                "reason": "\(refusal.reason.rawValue)", "field": "\(refusal.field ?? "-")",
            ])
            return .rejected(rejected)

        case .success(let valid):
            if let existing = try Row.fetchOne(
                db.cached("SELECT event_id, payload_hash FROM event WHERE source = ? AND source_id = ?"),
                arguments: [source.rawValue, valid.sourceId]) {
                let eventId: String = existing["event_id"]
                let sameContent = (existing["payload_hash"] as String) == Self.contentHash(bytes)
                try db.run("UPDATE event SET repeats = repeats + 1 WHERE event_id = ?", [eventId])
                logger.debug("Repeated event dropped", metadata: [
                    "event.id": "\(eventId)", "event.source": "\(source.rawValue)", "event.sourceId": "\(valid.sourceId)",
                    "sameContent": "\(sameContent)",
                ])
                if !sameContent {
                    logger.warning("Event id reused with different content; first version kept", metadata: [
                        "event.id": "\(eventId)", "event.source": "\(source.rawValue)", "event.sourceId": "\(valid.sourceId)",
                    ])
                }
                return .duplicate(eventId: eventId)
            }
            let accepted = AcceptedEvent(
                eventId: "ev-\(UUID().uuidString.lowercased())", source: source, sourceId: valid.sourceId,
                occurredAt: valid.occurredAt, receivedAt: now, text: valid.text, requestType: valid.requestType,
                reporter: valid.reporter, address: valid.address, location: valid.location, extra: valid.extra)
            let payload = try MessageCoding.encode(accepted)
            try db.run("""
                INSERT INTO event (event_id, source, source_id, origin, received_at, payload_hash, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [accepted.eventId, source.rawValue, valid.sourceId, origin,
                                 MessageCoding.formatTimestamp(now), Self.contentHash(bytes), Data(payload)])
            try Outbox.enqueue(db, topic: Topics.eventsAccepted, key: accepted.eventId, payload: payload, now: now)
            logger.debug("Event accepted", metadata: [
                "event.id": "\(accepted.eventId)", "event.source": "\(source.rawValue)", "event.sourceId": "\(valid.sourceId)",
            ])
            return .accepted(eventId: accepted.eventId)
        }
    }

    /// FNV-1a 64 of the raw bytes: tells an exact repeat from a changed re-send.
    static func contentHash(_ bytes: [UInt8]) -> String {
        String(FNV1a.hash(bytes), radix: 16)
    }
}

extension IntakeDesk.Outcome {
    var label: String {
        switch self {
        case .accepted: "accepted"
        case .duplicate: "duplicate"
        case .rejected: "rejected"
        }
    }
}
