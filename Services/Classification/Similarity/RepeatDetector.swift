import Foundation
import GRDB
import MinshengModel

/// Finds, for a newly classified event, the open event it repeats (same place, same problem: 重复件)
/// and whether it completes a hotspot (several people reporting one problem in one area: 未诉先办).
/// Works on the SQLite window in the caller's transaction.
struct RepeatDetector: Sendable {
    let settings: ClassificationSettings

    struct Outcome: Sendable, Equatable {
        /// The first event of the matter this one repeats.
        var duplicateOf: String?
        /// A new hotspot this event completed.
        var newHotspot: HotspotAlert?
        /// The existing hotspot this event joined.
        var joinedHotspot: String?
    }

    func process(
        event: AcceptedEvent, category: MinshengModel.Category, place: Place?, now: Date, db: Database
    ) throws -> Outcome {
        let maximumWindow = max(settings.duplicates.windowHours, settings.hotspots.windowHours) * 3600
        try RecentEvents.purge(before: event.receivedAt.addingTimeInterval(-maximumWindow), db: db)
        // Without a town there is no "same place": nothing to compare with.
        guard let place else { return Outcome() }
        let shingles = Shingles(text: event.text)
        let since = event.receivedAt.addingTimeInterval(-maximumWindow)
        let candidates = try RecentEvents.candidates(town: place.town, since: since, db: db)
            .filter { $0.eventId != event.eventId }
        let scored = candidates.map { (row: $0, similarity: shingles.similarity(to: $0.shingles)) }

        // A repeat: same village when both name one, similar enough, recent enough.
        let duplicateSince = event.receivedAt.addingTimeInterval(-settings.duplicates.windowHours * 3600)
        let duplicate = scored.filter {
            $0.row.receivedAt >= duplicateSince && $0.similarity >= settings.duplicates.minSimilarity
                && ($0.row.village == nil || place.village == nil || $0.row.village == place.village)
        }.max { $0.similarity < $1.similarity }
        let duplicateOf = duplicate.map { $0.row.duplicateOf ?? $0.row.eventId }

        let reporter = Self.reporterKey(event)
        var row = RecentEvents.Row(
            eventId: event.eventId, source: event.source, town: place.town, village: place.village, category: category,
            reporterKey: reporter, shingles: shingles, receivedAt: event.receivedAt, duplicateOf: duplicateOf, hotspotId: nil)

        // A hotspot: similar reports in the area within the hotspot window.
        let hotspotSince = event.receivedAt.addingTimeInterval(-settings.hotspots.windowHours * 3600)
        let related = scored.filter { $0.row.receivedAt >= hotspotSince && $0.similarity >= settings.hotspots.minSimilarity }
        var outcome = Outcome(duplicateOf: duplicateOf)
        if let existing = related.compactMap(\.row.hotspotId).first {
            row.hotspotId = existing
            outcome.joinedHotspot = existing
        } else {
            let cluster = related.map(\.row) + [row]
            let reporters = Set(cluster.map(\.reporterKey))
            if cluster.count >= settings.hotspots.minEvents && reporters.count >= settings.hotspots.minReporters {
                let alertId = "hs-\(UUID().uuidString.lowercased())"
                row.hotspotId = alertId
                try RecentEvents.setHotspot(alertId, events: cluster.map(\.eventId), db: db)
                let texts = try cluster.map { member in
                    member.eventId == event.eventId ? event.text
                        : try String.fetchOne(db, sql: "SELECT text FROM classified_event WHERE event_id = ?", arguments: [member.eventId]) ?? ""
                }
                let villages = Set(cluster.map(\.village))
                // The cluster's category: the most common one (ties: the newest report's).
                let counts = Dictionary(grouping: cluster, by: \.category).mapValues(\.count)
                let clusterCategory = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key != category }!.key
                outcome.newHotspot = HotspotAlert(
                    alertId: alertId, eventId: event.eventId, town: place.town,
                    village: villages.count == 1 ? villages.first! : nil, category: clusterCategory,
                    theme: ThemeFinder.theme(of: texts), eventIds: cluster.map(\.eventId),
                    sources: Array(Set(cluster.map(\.source))).sorted { $0.rawValue < $1.rawValue },
                    reporterCount: reporters.count, firstReportedAt: cluster.map(\.receivedAt).min()!,
                    lastReportedAt: cluster.map(\.receivedAt).max()!, windowHours: settings.hotspots.windowHours,
                    detectedAt: now)
            }
        }
        try RecentEvents.insert(row, db: db)
        return outcome
    }

    /// Who reported: the phone when given, else the name on that channel, else nobody known (each such
    /// report counts as its own reporter).
    static func reporterKey(_ event: AcceptedEvent) -> String {
        if let phone = event.reporter?.phone { return "phone:\(phone)" }
        if let name = event.reporter?.name { return "name:\(event.source.rawValue):\(name)" }
        return "event:\(event.eventId)"
    }
}
