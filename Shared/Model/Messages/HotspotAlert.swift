import Foundation

/// Similar reports about one problem in one area accumulating: a town can act before more complaints
/// come (未诉先办). Topic `alerts.hotspots`, key `alertId`, schema version 1 (docs/messages.md).
///
/// A hotspot is published when it is raised (`revision` 1) and again, with the same `alertId` and the
/// next `revision`, each time a report joins it: the latest revision is the hotspot's current size.
public struct HotspotAlert: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// `hs-<uuid>`; the same for every revision of one hotspot.
    public var alertId: String
    /// 1 when raised, then +1 each time it grows. Absent from alerts written before re-publication
    /// existed (read it as 1).
    public var revision: Int?
    /// The event whose arrival raised the alert (revision 1) or made it grow.
    public var eventId: String
    public var town: String
    /// Set when every report names the same village or community.
    public var village: String?
    public var category: Category
    /// Phrases most of the reports share, e.g. ["梅湾街", "停车", "小票"].
    public var theme: [String]
    /// Every report in the cluster, in the order they occurred.
    public var eventIds: [String]
    /// The channels they came through.
    public var sources: [Source]
    /// Distinct people who reported.
    public var reporterCount: Int
    /// When the first and the last report occurred (their `occurredAt`).
    public var firstReportedAt: Date
    public var lastReportedAt: Date
    public var windowHours: Double
    /// When the hotspot was raised (the same in every revision).
    public var detectedAt: Date
    /// When this revision was published. Absent from alerts written before re-publication existed.
    public var updatedAt: Date?

    public init(
        alertId: String, revision: Int = 1, eventId: String, town: String, village: String?, category: Category,
        theme: [String], eventIds: [String], sources: [Source], reporterCount: Int, firstReportedAt: Date,
        lastReportedAt: Date, windowHours: Double, detectedAt: Date, updatedAt: Date? = nil
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.alertId = alertId
        self.revision = revision
        self.eventId = eventId
        self.town = town
        self.village = village
        self.category = category
        self.theme = theme
        self.eventIds = eventIds
        self.sources = sources
        self.reporterCount = reporterCount
        self.firstReportedAt = firstReportedAt
        self.lastReportedAt = lastReportedAt
        self.windowHours = windowHours
        self.detectedAt = detectedAt
        self.updatedAt = updatedAt ?? detectedAt
    }
}
