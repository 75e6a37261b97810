import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Classifies each event on `events.accepted`, links repeats, raises and grows hotspots, records the
/// decision and publishes it on `events.classified`; a 110 call judged a police matter also goes back on
/// `police110.returns`, and each hotspot revision goes on `alerts.hotspots`.
struct AcceptedEventHandler: MessageHandler {
    let classifier: EventClassifier
    let signatures: SignatureMaker
    let detector: RepeatDetector
    let retention: ClassificationRetention
    let logger: Logger

    /// One classification per event, however often the event is delivered.
    func idempotencyKey(for message: KafkaMessage) -> String {
        "accepted:" + (message.keyString ?? message.coordinates)
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let event = try message.decode(AcceptedEvent.self)
        let decision = classifier.classify(event)
        let signature = signatures.signature(text: event.text, address: event.address, village: decision.place?.village,
                                             categoryProbabilities: decision.categoryProbabilities)
        let repeats = try detector.process(
            .init(event: event, category: decision.category, place: decision.place, signature: signature), now: now, db: db)
        var explanation = decision.explanation
        if let duplicateOf = repeats.duplicateOf {
            explanation += "; repeats \(duplicateOf) (similarity \(String(format: "%.2f", repeats.similarity ?? 0)))"
        }
        let classified = ClassifiedEvent(
            accepted: event, category: decision.category, level: decision.level, police: decision.police,
            shuangfei: decision.shuangfei, town: decision.place?.town, village: decision.place?.village,
            grid: decision.place?.grid, confidence: (decision.confidence * 1000).rounded() / 1000,
            explanation: explanation, duplicateOf: repeats.duplicateOf, needsReview: decision.needsReview,
            classifiedAt: now)
        try db.run("""
            INSERT OR REPLACE INTO classified_event (event_id, source, source_id, category, level, police, shuangfei, town,
                village, grid, confidence, explanation, classified_at, text, duplicate_of, needs_review)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [event.eventId, event.source.rawValue, event.sourceId, decision.category.rawValue,
                             decision.level.rawValue, decision.police, decision.shuangfei, classified.town,
                             classified.village, classified.grid, classified.confidence, explanation,
                             MessageCoding.formatTimestamp(now), event.text, repeats.duplicateOf, decision.needsReview])
        // Keyed by the matter: a repeat travels under its original's id, so that it meets the original's
        // work order in the same partition of dispatch (docs/scaling.md).
        try Outbox.enqueue(db, topic: Topics.eventsClassified, key: repeats.duplicateOf ?? event.eventId, message: classified, now: now)
        if classified.police && event.source == .police110 {
            try Outbox.enqueue(db, topic: Topics.police110Returns, key: event.eventId,
                               message: PoliceReturn(classified: classified, returnedAt: now), now: now)
        }
        if let alert = repeats.hotspot {
            try Outbox.enqueue(db, topic: Topics.hotspotAlerts, key: alert.alertId, message: alert, now: now)
            logger.notice(alert.revision == 1 ? "Hotspot detected" : "Hotspot grew", metadata: [
                "alert.id": "\(alert.alertId)", "alert.revision": "\(alert.revision ?? 1)", "event.id": "\(event.eventId)",
                "town": "\(alert.town)", "category": "\(alert.category.rawValue)",
                "theme": "\(alert.theme.joined(separator: ","))", "events": "\(alert.eventIds.count)",
            ])
        }
        try retention.sweepIfDue(now: now, db: db)
        Counter(label: "minsheng_classified_total", dimensions: [
            ("category", decision.category.rawValue), ("level", decision.level.rawValue), ("police", "\(decision.police)"),
        ]).increment()
        logger.debug("Event classified", metadata: [
            "event.id": "\(event.eventId)", "category": "\(decision.category.rawValue)", "level": "\(decision.level.rawValue)",
            "police": "\(decision.police)", "town": "\(classified.town ?? "-")", "duplicateOf": "\(repeats.duplicateOf ?? "-")",
        ])
    }
}
