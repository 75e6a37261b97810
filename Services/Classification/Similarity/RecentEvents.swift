import Foundation
import GRDB
import MinshengModel

/// The recent classified reports in classification's database (`recent_event`): the durable record the
/// candidate index is rebuilt from, and the only place the detector reads what can change (a report's
/// matter and hotspot), inside the event's own transaction.
enum RecentEvents {
    struct Row: Sendable, Equatable {
        var eventId: String
        var source: Source
        var town: String
        var village: String?
        var category: MinshengModel.Category
        var reporterKey: String
        var occurredAt: Date
        var receivedAt: Date
        /// The matter (重复件 chain) it belongs to: the id of the matter's first classified report. Stable.
        var matterId: String
        /// What was published as `duplicateOf`.
        var duplicateOf: String?
        var hotspotId: String?
    }

    /// Writes the report's row; its version is one more than the row it replaces (1 when new).
    static func insert(_ row: Row, signature: ReportSignature, signatureVersion: String, text: String, db: Database) throws {
        try db.run("""
            INSERT OR REPLACE INTO recent_event (event_id, source, town, village, category, reporter_key, occurred_at,
                received_at, matter_id, duplicate_of, hotspot_id, signature, signature_version, text, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                    COALESCE((SELECT version + 1 FROM recent_event WHERE event_id = ?), 1))
            """, [row.eventId, row.source.rawValue, row.town, row.village, row.category.rawValue, row.reporterKey,
                             MessageCoding.formatTimestamp(row.occurredAt), MessageCoding.formatTimestamp(row.receivedAt),
                             row.matterId, row.duplicateOf, row.hotspotId, Data(signature.bytes), signatureVersion, text, row.eventId])
    }

    private static let columns = """
        event_id, source, town, village, category, reporter_key, occurred_at, received_at, matter_id, duplicate_of, hotspot_id
        """

    /// A row of `columns`, by position (a lookup by name lower-cases the name each time: 3 % of the service's time).
    private static func decode(_ row: GRDB.Row) -> Row {
        let receivedAt = MessageCoding.parseTimestamp(row[7]) ?? Date(timeIntervalSince1970: 0)
        return Row(
            eventId: row[0], source: Source(rawValue: row[1]) ?? .walkin, town: row[2],
            village: row[3], category: MinshengModel.Category(rawValue: row[4]) ?? .other,
            reporterKey: row[5], occurredAt: MessageCoding.parseTimestamp(row[6]) ?? receivedAt,
            receivedAt: receivedAt, matterId: row[8], duplicateOf: row[9], hotspotId: row[10])
    }

    /// The rows of these events that exist (as this transaction sees them), by event id.
    static func rows(_ eventIds: [String], db: Database) throws -> [String: Row] {
        guard !eventIds.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: eventIds.count).joined(separator: ", ")
        let rows = try GRDB.Row.fetchAll(db, sql: "SELECT \(columns) FROM recent_event WHERE event_id IN (\(placeholders))",
                                         arguments: StatementArguments(eventIds))
        return Dictionary(rows.map(decode).map { ($0.eventId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The first report of a matter: the one that occurred first (ties: the smaller event id).
    static func firstReport(ofMatter matterId: String, db: Database) throws -> String? {
        try String.fetchOne(db.cached("""
            SELECT event_id FROM recent_event WHERE matter_id = ? ORDER BY occurred_at, event_id LIMIT 1
            """), arguments: [matterId])
    }

    /// Reports of the matters that occurred in `[from, to]`, at most `limit` of each matter.
    static func members(ofMatters matterIds: [String], occurredFrom from: Date, to: Date, limit: Int, db: Database) throws -> [Row] {
        try matterIds.flatMap { matterId in
            try GRDB.Row.fetchAll(db.cached("""
                SELECT \(columns) FROM recent_event WHERE matter_id = ? AND occurred_at BETWEEN ? AND ?
                ORDER BY occurred_at, event_id LIMIT ?
                """), arguments: [matterId, MessageCoding.formatTimestamp(from), MessageCoding.formatTimestamp(to), limit]).map(decode)
        }
    }

    /// Every report of a hotspot, in the order they occurred.
    static func members(ofHotspot hotspotId: String, db: Database) throws -> [Row] {
        try GRDB.Row.fetchAll(db.cached("""
            SELECT \(columns) FROM recent_event WHERE hotspot_id = ? ORDER BY occurred_at, event_id
            """), arguments: [hotspotId]).map(decode)
    }

    /// The newest reports of a hotspot that occurred in `[from, to]`, at most `limit`.
    static func members(ofHotspot hotspotId: String, occurredFrom from: Date, to: Date, limit: Int, db: Database) throws -> [Row] {
        try GRDB.Row.fetchAll(db.cached("""
            SELECT \(columns) FROM recent_event WHERE hotspot_id = ? AND occurred_at BETWEEN ? AND ?
            ORDER BY occurred_at DESC, event_id DESC LIMIT ?
            """), arguments: [hotspotId, MessageCoding.formatTimestamp(from), MessageCoding.formatTimestamp(to), limit]).map(decode)
    }

    static func setHotspot(_ hotspotId: String, events: [String], db: Database) throws {
        for eventId in events {
            try db.run("UPDATE recent_event SET hotspot_id = ?, version = version + 1 WHERE event_id = ?", [hotspotId, eventId])
        }
    }
}
