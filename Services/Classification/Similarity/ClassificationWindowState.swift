import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Classification's partitioned state (docs/scaling.md): the repeat-and-hotspot windows of the towns of a
/// partition of `classification.bytown`, restored from `classification.window.changelog` when the
/// partition is assigned. Each record is a whole row with its version; an older one than the row stored
/// changes nothing. A restored report also enters the in-memory candidate index, so that the new owner
/// finds it as a candidate at once.
struct ClassificationWindowState: PartitionedState {
    let index: CandidateIndex
    let signatureVersion: String
    /// Signs a report's text again when its record was signed by another model.
    let resign: @Sendable (_ text: String, _ source: Source, _ village: String?) -> ReportSignature
    /// How long a report stays in the window (by arrival): an older record is not restored.
    let retention: Double
    let clock: @Sendable () -> Date
    let logger: Logger

    var inputTopics: Set<String> { [Topics.classificationByTown] }
    var changelogTopic: String { Topics.classificationWindowChangelog }

    func restore(_ record: KafkaMessage, db: Database) throws {
        let decoded: ClassificationWindowRecord
        do {
            decoded = try record.decode(ClassificationWindowRecord.self)
        } catch {
            // A record this version cannot read names one row only: it is skipped (and said), not retried forever.
            logger.error("Window changelog record unreadable; skipped", metadata: [
                "changelog": "\(record.coordinates)", "key": "\(record.keyString ?? "-")", "error": "\(error)",
            ])
            return
        }
        if let report = decoded.report { try restore(report, db: db) }
        if let hotspot = decoded.hotspot { try restore(hotspot, db: db) }
    }

    private func restore(_ report: ClassificationWindowRecord.Report, db: Database) throws {
        guard report.receivedAt.timeIntervalSince1970 >= clock().timeIntervalSince1970 - retention else { return }
        let stored = try Int.fetchOne(db.cached("SELECT version FROM recent_event WHERE event_id = ?"), arguments: [report.eventId])
        if let stored, stored >= report.version { return }
        let signature: ReportSignature
        if report.signatureVersion == signatureVersion, let bytes = Data(base64Encoded: report.signature),
           let decoded = try? ReportSignature(bytes: Array(bytes)) {
            signature = decoded
        } else {
            signature = resign(report.text, report.source, report.village)
        }
        try db.run("""
            INSERT OR REPLACE INTO recent_event (event_id, source, town, village, category, reporter_key, occurred_at,
                received_at, matter_id, duplicate_of, hotspot_id, signature, signature_version, text, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [report.eventId, report.source.rawValue, report.town, report.village, report.category.rawValue,
                  report.reporterKey, MessageCoding.formatTimestamp(report.occurredAt),
                  MessageCoding.formatTimestamp(report.receivedAt), report.matterId, report.duplicateOf, report.hotspotId,
                  Data(signature.bytes), signatureVersion, report.text, report.version])
        index.insert(town: report.town, eventId: report.eventId, occurredAt: report.occurredAt, receivedAt: report.receivedAt,
                     signature: signature)
    }

    private func restore(_ hotspot: ClassificationWindowRecord.Hotspot, db: Database) throws {
        let alert = hotspot.alert
        let revision = alert.revision ?? 1
        let stored = try Int.fetchOne(db.cached("SELECT revision FROM hotspot WHERE alert_id = ?"), arguments: [alert.alertId])
        if let stored, stored >= revision { return }
        let hashes = String(decoding: try JSONEncoder().encode(hotspot.reporterHashes.sorted()), as: UTF8.self)
        try db.run("""
            INSERT OR REPLACE INTO hotspot (alert_id, town, category, payload, detected_at, revision, updated_at, reporter_hashes,
                published_size)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [alert.alertId, alert.town, alert.category.rawValue, Data(try MessageCoding.encode(alert)),
                  MessageCoding.formatTimestamp(alert.detectedAt), revision,
                  MessageCoding.formatTimestamp(alert.updatedAt ?? alert.detectedAt), hashes, hotspot.publishedSize])
    }
}
