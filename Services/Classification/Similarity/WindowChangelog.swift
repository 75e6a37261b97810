import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// The window rows a report changed, written whole to `classification.window.changelog` in the partition of
/// their town (`ClassificationWindowRecord`), and read back by `ClassificationWindowState` on assignment.
enum WindowChangelog {
    /// Records the current rows of `reports` and of hotspot `hotspot` (when it changed: the alert as just
    /// stored), in the caller's transaction, after its outputs.
    static func record(reports: [String], hotspot: HotspotAlert?, partition: Int32, db: Database, now: Date) throws {
        for eventId in reports {
            guard let record = try report(eventId, db: db) else { continue }
            try Changelog.record(db, topic: Topics.classificationWindowChangelog, partition: partition, key: record.key,
                                 value: record, now: now)
        }
        if let hotspot, let record = try self.hotspot(hotspot.alertId, db: db, stored: hotspot) {
            try Changelog.record(db, topic: Topics.classificationWindowChangelog, partition: partition, key: record.key,
                                 value: record, now: now)
        }
    }

    /// The whole row of a report in the window, as a changelog record.
    static func report(_ eventId: String, db: Database) throws -> ClassificationWindowRecord? {
        guard let row = try Row.fetchOne(db.cached("""
            SELECT event_id, source, town, village, category, reporter_key, occurred_at, received_at, matter_id, duplicate_of,
                   hotspot_id, signature, signature_version, text, version
            FROM recent_event WHERE event_id = ?
            """), arguments: [eventId]) else { return nil }
        let receivedAt = MessageCoding.parseTimestamp(row["received_at"]) ?? Date(timeIntervalSince1970: 0)
        return ClassificationWindowRecord(report: .init(
            eventId: row["event_id"], source: Source(rawValue: row["source"]) ?? .walkin, town: row["town"], village: row["village"],
            category: MinshengModel.Category(rawValue: row["category"]) ?? .other, reporterKey: row["reporter_key"],
            occurredAt: (row["occurred_at"] as String?).flatMap(MessageCoding.parseTimestamp) ?? receivedAt, receivedAt: receivedAt,
            matterId: row["matter_id"], duplicateOf: row["duplicate_of"], hotspotId: row["hotspot_id"],
            signature: ((row["signature"] as Data?) ?? Data()).base64EncodedString(),
            signatureVersion: row["signature_version"] ?? "", text: row["text"] ?? "", version: row["version"]))
    }

    /// The whole row of a hotspot, as a changelog record; `stored`, when given, is its payload as just
    /// written (not read and decoded again).
    static func hotspot(_ alertId: String, db: Database, stored: HotspotAlert? = nil) throws -> ClassificationWindowRecord? {
        let columns = stored == nil ? "payload, reporter_hashes, published_size" : "reporter_hashes, published_size"
        guard let row = try Row.fetchOne(db.cached("SELECT \(columns) FROM hotspot WHERE alert_id = ?"),
                                         arguments: [alertId]) else { return nil }
        let alert = try stored ?? MessageCoding.decode(HotspotAlert.self, from: Array(row["payload"] as Data))
        let hashes = try JSONDecoder().decode([String].self, from: Data((row["reporter_hashes"] as String).utf8))
        return ClassificationWindowRecord(hotspot: .init(alert: alert, reporterHashes: hashes, publishedSize: row["published_size"]))
    }
}
