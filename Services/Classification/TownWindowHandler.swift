import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Classification's owner step (docs/scaling.md): the instance that owns a partition of
/// `classification.bytown` keeps the repeat-and-hotspot window of that partition's towns. For each report
/// it links repeats, raises and grows hotspots, records the decision and publishes it on
/// `events.classified` keyed by the matter, each hotspot revision on `alerts.hotspots`, and then, in the
/// same transaction, every window row it wrote on `classification.window.changelog` (outputs first, rule 2).
struct TownWindowHandler: Sendable {
    let signatures: SignatureMaker
    let detector: RepeatDetector
    let retention: ClassificationRetention
    let logger: Logger

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let report = try message.decode(TownReport.self)
        let event = report.accepted
        var classified = report.classified
        guard let town = classified.town else { throw UnprocessableMessage("report \(event.eventId) on \(message.topic) has no town") }
        // Already in the window (processed before a hand-over or a crash, its row restored): the same answer
        // again, nothing changes. Downstream drops the repeat by event id.
        if let known = try RecentEvents.rows([event.eventId], db: db)[event.eventId] {
            classified.duplicateOf = known.duplicateOf
            try Outbox.enqueue(db, topic: Topics.eventsClassified, key: known.duplicateOf == nil ? event.eventId : known.matterId,
                               message: classified, now: now)
            logger.info("Report already in the window; its decision published again", metadata: [
                "event.id": "\(event.eventId)", "town": "\(town)",
            ])
            return
        }
        let place = Place(town: town, village: classified.village, grid: classified.grid)
        let signature = signatures.signature(text: event.text, address: event.address, village: classified.village,
                                             categoryProbabilities: report.categoryProbabilities)
        let repeats = try detector.process(
            .init(event: event, category: classified.category, place: place, signature: signature), now: now, db: db)
        if let duplicateOf = repeats.duplicateOf {
            classified.explanation += "; repeats \(duplicateOf) (similarity \(String(format: "%.2f", repeats.similarity ?? 0)))"
        }
        classified.duplicateOf = repeats.duplicateOf
        try ClassifiedEvents.record(classified, db: db)
        // Keyed by the matter (its first classified report, whose work order is in that partition), not by
        // `duplicateOf`, which moves to a report that occurred earlier but arrived later: keyed by that one, the
        // matter's next reports would reach another dispatch owner, who has no order of theirs.
        try Outbox.enqueue(db, topic: Topics.eventsClassified, key: repeats.matter ?? classified.matterKey, message: classified, now: now)
        if let alert = repeats.hotspot {
            try Outbox.enqueue(db, topic: Topics.hotspotAlerts, key: alert.alertId, message: alert, now: now)
            logger.notice(alert.revision == 1 ? "Hotspot detected" : "Hotspot grew", metadata: [
                "alert.id": "\(alert.alertId)", "alert.revision": "\(alert.revision ?? 1)", "event.id": "\(event.eventId)",
                "town": "\(alert.town)", "category": "\(alert.category.rawValue)",
                "theme": "\(alert.theme.joined(separator: ","))", "events": "\(alert.eventIds.count)",
            ])
        }
        // The changelog after the outputs: a record in Kafka means the decision and the alert are there too.
        try WindowChangelog.record(reports: repeats.changedReports, hotspot: repeats.hotspot,
                                   partition: message.partition, db: db, now: now)
        ClassifiedEvents.count(classified)
        logger.debug("Event classified", metadata: [
            "event.id": "\(event.eventId)", "category": "\(classified.category.rawValue)", "level": "\(classified.level.rawValue)",
            "police": "\(classified.police)", "town": "\(town)", "duplicateOf": "\(repeats.duplicateOf ?? "-")",
        ])
    }
}
