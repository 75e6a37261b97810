import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Classifies each event on `events.accepted`, records the decision and publishes it on
/// `events.classified`; a 110 call judged a police matter also goes back on `police110.returns`.
struct AcceptedEventHandler: MessageHandler {
    let classifier: EventClassifier
    let logger: Logger

    /// One classification per event, however often the event is delivered.
    func idempotencyKey(for message: KafkaMessage) -> String {
        "accepted:" + (message.keyString ?? message.coordinates)
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let event: AcceptedEvent
        do {
            event = try MessageCoding.decode(AcceptedEvent.self, from: message.value)
        } catch {
            throw UnprocessableMessage("not an events.accepted v1 message: \(error)")
        }
        guard event.schemaVersion == AcceptedEvent.currentSchemaVersion else {
            throw UnprocessableMessage("events.accepted schemaVersion \(event.schemaVersion) is not supported")
        }
        let decision = classifier.classify(event)
        let classified = ClassifiedEvent(
            accepted: event, category: decision.category, level: decision.level, police: decision.police,
            shuangfei: decision.shuangfei, town: decision.place?.town, village: decision.place?.village,
            grid: decision.place?.grid, confidence: decision.confidence, explanation: decision.explanation,
            classifiedAt: now)
        try db.execute(sql: """
            INSERT OR REPLACE INTO classified_event (event_id, source, source_id, category, level, police, shuangfei, town,
                village, grid, confidence, explanation, classified_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [event.eventId, event.source.rawValue, event.sourceId, decision.category.rawValue,
                             decision.level.rawValue, decision.police, decision.shuangfei, classified.town,
                             classified.village, classified.grid, decision.confidence, decision.explanation,
                             MessageCoding.formatTimestamp(now)])
        try Outbox.enqueue(db, topic: Topics.eventsClassified, key: event.eventId, message: classified, now: now)
        if classified.police && event.source == .police110 {
            try Outbox.enqueue(db, topic: Topics.police110Returns, key: event.eventId,
                               message: PoliceReturn(classified: classified, returnedAt: now), now: now)
        }
        Counter(label: "minsheng_classified_total", dimensions: [
            ("category", decision.category.rawValue), ("level", decision.level.rawValue), ("police", "\(decision.police)"),
        ]).increment()
        logger.debug("Event classified", metadata: [
            "event.id": "\(event.eventId)", "category": "\(decision.category.rawValue)", "level": "\(decision.level.rawValue)",
            "police": "\(decision.police)", "town": "\(classified.town ?? "-")",
        ])
    }
}
