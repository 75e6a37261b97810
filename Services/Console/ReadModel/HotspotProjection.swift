import Foundation
import GRDB
import MinshengModel

/// Keeps the `hotspot` table from `alerts.hotspots` (未诉先办): one row per alert, its latest revision.
/// A hotspot is published again each time a report joins it; an older or repeated revision changes
/// nothing, and the time it was raised (`detected_at`) stays the first one.
enum HotspotProjection {
    static func apply(_ alert: HotspotAlert, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO hotspot (alert_id, event_id, town, village, category, theme, event_ids, sources, reporter_count,
                                 first_reported_at, last_reported_at, window_hours, detected_at, revision)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(alert_id) DO UPDATE SET
                village = excluded.village, category = excluded.category, theme = excluded.theme,
                event_ids = excluded.event_ids, sources = excluded.sources, reporter_count = excluded.reporter_count,
                first_reported_at = excluded.first_reported_at, last_reported_at = excluded.last_reported_at,
                window_hours = excluded.window_hours, revision = excluded.revision
            WHERE excluded.revision > hotspot.revision
            """, arguments: [
                alert.alertId, alert.eventId, alert.town, alert.village, alert.category.rawValue,
                alert.theme.joined(separator: "\n"), alert.eventIds.joined(separator: ","),
                alert.sources.map(\.rawValue).joined(separator: ","), alert.reporterCount, ts(alert.firstReportedAt),
                ts(alert.lastReportedAt), alert.windowHours, ts(alert.detectedAt), alert.revision ?? 1,
            ])
    }

    static func ts(_ date: Date) -> String { MessageCoding.formatTimestamp(date) }
}
