import Foundation
import GRDB
import MinshengModel

/// Keeps the `hotspot` table from `alerts.hotspots` (未诉先办): one row per alert.
enum HotspotProjection {
    static func apply(_ alert: HotspotAlert, db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO hotspot (alert_id, event_id, town, village, category, theme, event_ids, sources, reporter_count,
                                           first_reported_at, last_reported_at, window_hours, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                alert.alertId, alert.eventId, alert.town, alert.village, alert.category.rawValue,
                alert.theme.joined(separator: "\n"), alert.eventIds.joined(separator: ","),
                alert.sources.map(\.rawValue).joined(separator: ","), alert.reporterCount, ts(alert.firstReportedAt),
                ts(alert.lastReportedAt), alert.windowHours, ts(alert.detectedAt),
            ])
    }

    static func ts(_ date: Date) -> String { MessageCoding.formatTimestamp(date) }
}
