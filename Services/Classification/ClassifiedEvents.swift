import Foundation
import GRDB
import Metrics
import MinshengModel
import MinshengPlatform

/// The decisions classification published (`classified_event`), each instance those it made.
enum ClassifiedEvents {
    static func record(_ classified: ClassifiedEvent, db: Database) throws {
        try db.run("""
            INSERT OR REPLACE INTO classified_event (event_id, source, source_id, category, level, police, shuangfei, town,
                village, grid, confidence, explanation, classified_at, text, duplicate_of, needs_review)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [classified.eventId, classified.source.rawValue, classified.sourceId, classified.category.rawValue,
                             classified.level.rawValue, classified.police, classified.shuangfei, classified.town,
                             classified.village, classified.grid, classified.confidence, classified.explanation,
                             MessageCoding.formatTimestamp(classified.classifiedAt), classified.text, classified.duplicateOf,
                             classified.needsReview ?? false])
    }

    static func count(_ classified: ClassifiedEvent) {
        Counter(label: "minsheng_classified_total", dimensions: [
            ("category", classified.category.rawValue), ("level", classified.level.rawValue), ("police", "\(classified.police)"),
        ]).increment()
    }
}

extension ClassifiedEvent {
    /// The key of `events.classified` when no window says otherwise: the event itself, or the report it
    /// repeats. The owner of a town keys a repeat by its matter's first classified report instead
    /// (`RepeatDetector.Outcome.matter`), which is where the matter's work order is.
    var matterKey: String { duplicateOf ?? eventId }
}
