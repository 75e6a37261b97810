import Foundation
import GRDB
import MinshengModel

/// The hotspot alerts in classification's database (`hotspot`: the latest revision of each) and how an
/// alert is made from the reports of a hotspot: raised once with revision 1, then published again with
/// the next revision as reports join it (`publishesGrowth`).
enum Hotspots {
    /// Texts read for the theme, at most (the newest reports).
    static let themeTexts = 10
    /// Up to this many reports, every report that joins a hotspot publishes its next revision.
    static let everyReportUpTo = 20
    /// Beyond that, a revision is published when the hotspot has grown by this share since the last one…
    static let growthShare = 0.25
    /// …or when the last one is this old (seconds). Making a revision reads every report of the hotspot and
    /// publishes all their ids: done for every report, a hotspot of a thousand reports would cost a million
    /// reads and a quarter of a gigabyte of alerts; done on this schedule, the cost per report stays bounded
    /// and the published size is at most a quarter (or ten minutes) behind.
    static let republishAfter: TimeInterval = 600

    /// Whether a hotspot that now has `size` reports publishes a new revision, given what its last revision
    /// said (`publishedSize` reports, nil when not recorded) and when it was published.
    static func publishesGrowth(size: Int, publishedSize: Int?, lastPublished: Date?, now: Date) -> Bool {
        guard let publishedSize, let lastPublished else { return true }
        if size <= everyReportUpTo { return true }
        if Double(size) >= Double(publishedSize) * (1 + growthShare) { return true }
        return now.timeIntervalSince(lastPublished) >= republishAfter
    }

    static func raise(_ alertId: String, members: [RecentEvents.Row], by event: AcceptedEvent, text: String,
                      category: MinshengModel.Category, windowHours: Double, now: Date, db: Database) throws -> HotspotAlert {
        let alert = try alert(alertId, revision: 1, members: members, earlier: nil, by: event, text: text, category: category,
                              windowHours: windowHours, detectedAt: now, now: now, db: db)
        let payload = try MessageCoding.encode(alert)
        try db.run("""
            INSERT INTO hotspot (alert_id, town, category, payload, detected_at, revision, updated_at, reporter_hashes, published_size)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
            """, [alertId, alert.town, alert.category.rawValue, Data(payload), MessageCoding.formatTimestamp(now),
                             MessageCoding.formatTimestamp(now), reporterHashes(members.map(\.reporterKey)), alert.eventIds.count])
        return alert
    }

    /// The next revision of a hotspot a report joined, or nil when this growth is not published yet
    /// (`publishesGrowth`: the report is a member all the same, and the next revision lists it). Reports
    /// purged from `recent_event` since (older than the window) stay in the alert from its previous revision.
    static func grow(_ alertId: String, by event: AcceptedEvent, text: String, category: MinshengModel.Category,
                     now: Date, db: Database) throws -> HotspotAlert? {
        guard let state = try Row.fetchOne(db.cached("SELECT updated_at, published_size FROM hotspot WHERE alert_id = ?"),
                                           arguments: [alertId]) else { return nil }
        let size = try Int.fetchOne(db.cached("SELECT COUNT(*) FROM recent_event WHERE hotspot_id = ?"), arguments: [alertId]) ?? 0
        guard publishesGrowth(size: size, publishedSize: state["published_size"],
                              lastPublished: (state["updated_at"] as String?).flatMap(MessageCoding.parseTimestamp), now: now)
        else { return nil }
        guard let stored = try Row.fetchOne(db.cached("SELECT payload, reporter_hashes FROM hotspot WHERE alert_id = ?"),
                                            arguments: [alertId]),
              let previous = try? MessageCoding.decode(HotspotAlert.self, from: Array(stored["payload"] as Data)) else {
            return nil
        }
        let members = try RecentEvents.members(ofHotspot: alertId, db: db)
        let known = (try? JSONDecoder().decode([String].self, from: Data((stored["reporter_hashes"] as String).utf8))) ?? []
        let alert = try alert(alertId, revision: (previous.revision ?? 1) + 1, members: members, earlier: (previous, Set(known)),
                              by: event, text: text, category: category, windowHours: previous.windowHours,
                              detectedAt: previous.detectedAt, now: now, db: db)
        try db.run("""
            UPDATE hotspot SET category = ?, payload = ?, revision = ?, updated_at = ?, reporter_hashes = ?, published_size = ?
            WHERE alert_id = ?
            """, [alert.category.rawValue, Data(try MessageCoding.encode(alert)), alert.revision,
                             MessageCoding.formatTimestamp(now), reporterHashes(members.map(\.reporterKey), adding: known),
                             alert.eventIds.count, alertId])
        return alert
    }

    private static func alert(
        _ alertId: String, revision: Int, members: [RecentEvents.Row], earlier: (alert: HotspotAlert, reporters: Set<String>)?,
        by event: AcceptedEvent, text: String, category: MinshengModel.Category, windowHours: Double, detectedAt: Date,
        now: Date, db: Database
    ) throws -> HotspotAlert {
        let present = Set(members.map(\.eventId))
        let eventIds = (earlier?.alert.eventIds.filter { !present.contains($0) } ?? []) + members.map(\.eventId)
        let newest = members.suffix(themeTexts)
        let texts = try newest.map { member in
            member.eventId == event.eventId ? text
                : try String.fetchOne(db.cached("""
                    SELECT COALESCE((SELECT text FROM recent_event WHERE event_id = ?),
                                    (SELECT text FROM classified_event WHERE event_id = ?))
                    """), arguments: [member.eventId, member.eventId]) ?? ""
        }
        // The hotspot's category: the most common one of its reports (ties: the newest report's).
        let counts = Dictionary(grouping: members, by: \.category).mapValues(\.count)
        let top = counts.values.max() ?? 0
        let clusterCategory = counts[category] == top ? category
            : counts.filter { $0.value == top }.keys.min { $0.rawValue < $1.rawValue } ?? category
        let villages = Set(members.map(\.village))
        let reporters = Set(members.map { hash($0.reporterKey) }).union(earlier?.reporters ?? [])
        let sources = Set(members.map(\.source)).union(earlier?.alert.sources ?? [])
        let times = members.map(\.occurredAt) + [earlier?.alert.firstReportedAt, earlier?.alert.lastReportedAt].compactMap { $0 }
        return HotspotAlert(
            alertId: alertId, revision: revision, eventId: event.eventId, town: members.first?.town ?? earlier?.alert.town ?? "",
            village: villages.count == 1 ? villages.first! : nil, category: clusterCategory,
            theme: ThemeFinder.theme(of: texts), eventIds: eventIds, sources: sources.sorted { $0.rawValue < $1.rawValue },
            reporterCount: reporters.count, firstReportedAt: times.min() ?? event.occurredAt,
            lastReportedAt: times.max() ?? event.occurredAt, windowHours: windowHours, detectedAt: detectedAt, updatedAt: now)
    }

    /// A reporter key as stored with a hotspot: a hash, never the phone number.
    static func hash(_ reporterKey: String) -> String { String(FNV1a.hash(reporterKey), radix: 16) }

    private static func reporterHashes(_ keys: [String], adding known: [String] = []) -> String {
        let all = Set(keys.map(hash)).union(known).sorted()
        return String(decoding: (try? JSONEncoder().encode(all)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
