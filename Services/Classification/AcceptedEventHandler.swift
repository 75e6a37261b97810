import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Classification's stateless step (any instance, docs/scaling.md): classifies and places each event on
/// `events.accepted` and hands it to the owner of its town on `classification.bytown`, where its repeats
/// and hotspots are found (`TownWindowHandler`). An event with no town has no window: it is published on
/// `events.classified` from here. A 110 call judged a police matter also goes back on `police110.returns`.
struct AcceptedEventHandler: Sendable {
    let classifier: EventClassifier
    let logger: Logger

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let event = try message.decode(AcceptedEvent.self)
        let decision = classifier.classify(event)
        let classified = ClassifiedEvent(
            accepted: event, category: decision.category, level: decision.level, police: decision.police,
            shuangfei: decision.shuangfei, town: decision.place?.town, village: decision.place?.village,
            grid: decision.place?.grid, confidence: (decision.confidence * 1000).rounded() / 1000,
            explanation: decision.explanation, duplicateOf: nil, needsReview: decision.needsReview,
            classifiedAt: now)
        if classified.police && event.source == .police110 {
            try Outbox.enqueue(db, topic: Topics.police110Returns, key: event.eventId,
                               message: PoliceReturn(classified: classified, returnedAt: now), now: now)
        }
        if let town = decision.place?.town {
            try Outbox.enqueue(db, topic: Topics.classificationByTown, key: town,
                               message: TownReport(accepted: event, classified: classified,
                                                   categoryProbabilities: decision.categoryProbabilities), now: now)
        } else {
            try ClassifiedEvents.record(classified, db: db)
            try Outbox.enqueue(db, topic: Topics.eventsClassified, key: classified.matterKey, message: classified, now: now)
            ClassifiedEvents.count(classified)
        }
        logger.debug("Event classified and placed", metadata: [
            "event.id": "\(event.eventId)", "category": "\(decision.category.rawValue)", "level": "\(decision.level.rawValue)",
            "police": "\(decision.police)", "town": "\(classified.town ?? "-")",
        ])
    }
}
