import Foundation
import GRDB
import MinshengModel
import Synchronization

/// Deletes what classification no longer needs, a bounded chunk at a time inside the transaction of the
/// message being handled (so its cost per message stays small and it rolls back with it):
/// - `recent_event` older (by arrival) than the longer window plus an hour;
/// - `classified_event` older than `retention.classifiedEventDays`;
/// - `hotspot` not updated for `retention.hotspotDays`.
/// A sweep runs once a minute; while a table still has more to delete, on the next message again.
final class ClassificationRetention: Sendable {
    /// Rows deleted per table per sweep, at most.
    static let chunk = 5000
    let settings: ClassificationSettings.Retention
    /// How long `recent_event` rows stay, in seconds.
    let recentEventSeconds: Double
    private let nextSweep = Mutex<Double>(-.infinity)

    init(settings: ClassificationSettings) {
        self.settings = settings.retention
        recentEventSeconds = settings.longestWindow + 3600
    }

    struct Deleted: Equatable { var recentEvents = 0, classifiedEvents = 0, hotspots = 0 }

    @discardableResult
    func sweepIfDue(now: Date, db: Database) throws -> Deleted {
        let seconds = now.timeIntervalSince1970
        guard nextSweep.withLock({ seconds >= $0 }) else { return Deleted() }
        let deleted = try sweep(now: now, db: db)
        let more = [deleted.recentEvents, deleted.classifiedEvents, deleted.hotspots].contains(Self.chunk)
        nextSweep.withLock { $0 = more ? seconds : seconds + 60 }
        return deleted
    }

    func sweep(now: Date, db: Database) throws -> Deleted {
        func purge(_ table: String, _ column: String, before: Date) throws -> Int {
            try db.execute(sql: """
                DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE \(column) < ? LIMIT \(Self.chunk))
                """, arguments: [MessageCoding.formatTimestamp(before)])
            return db.changesCount
        }
        return Deleted(
            recentEvents: try purge("recent_event", "received_at", before: now.addingTimeInterval(-recentEventSeconds)),
            classifiedEvents: try purge("classified_event", "classified_at", before: now.addingTimeInterval(-settings.classifiedEventDays * 86400)),
            hotspots: try purge("hotspot", "updated_at", before: now.addingTimeInterval(-settings.hotspotDays * 86400)))
    }
}
