import Foundation
import GRDB
import MinshengModel

/// The sliding window of recent classified events in classification's database, which repeats and
/// hotspots are found in. It survives restarts; rows older than the longest window are purged.
enum RecentEvents {
    struct Row: Sendable {
        var eventId: String
        var source: Source
        var town: String
        var village: String?
        var category: MinshengModel.Category
        var reporterKey: String
        var shingles: Shingles
        var receivedAt: Date
        var duplicateOf: String?
        var hotspotId: String?
    }

    static func insert(_ row: Row, db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO recent_event (event_id, source, town, village, category, reporter_key, shingles,
                received_at, duplicate_of, hotspot_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [row.eventId, row.source.rawValue, row.town, row.village, row.category.rawValue,
                             row.reporterKey, Data(row.shingles.bytes), MessageCoding.formatTimestamp(row.receivedAt),
                             row.duplicateOf, row.hotspotId])
    }

    /// Events of one town received since `since`, oldest first. Category is not a filter: reports of
    /// one problem (parking charges) may fall either side of a border (market / urban management).
    static func candidates(town: String, since: Date, db: Database) throws -> [Row] {
        try GRDB.Row.fetchAll(db, sql: """
            SELECT * FROM recent_event WHERE town = ? AND received_at >= ? ORDER BY received_at, event_id
            """, arguments: [town, MessageCoding.formatTimestamp(since)]).map { row in
            Row(eventId: row["event_id"], source: Source(rawValue: row["source"]) ?? .walkin, town: row["town"],
                village: row["village"], category: MinshengModel.Category(rawValue: row["category"]) ?? .other,
                reporterKey: row["reporter_key"], shingles: Shingles(bytes: Array(row["shingles"] as Data)),
                receivedAt: MessageCoding.parseTimestamp(row["received_at"]) ?? since,
                duplicateOf: row["duplicate_of"], hotspotId: row["hotspot_id"])
        }
    }

    static func setHotspot(_ hotspotId: String, events: [String], db: Database) throws {
        for eventId in events {
            try db.execute(sql: "UPDATE recent_event SET hotspot_id = ? WHERE event_id = ?", arguments: [hotspotId, eventId])
        }
    }

    static func purge(before: Date, db: Database) throws {
        try db.execute(sql: "DELETE FROM recent_event WHERE received_at < ?", arguments: [MessageCoding.formatTimestamp(before)])
    }
}
