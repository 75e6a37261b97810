import Foundation

/// Similar reports about one problem in one area accumulating: a town can act before more complaints
/// come (未诉先办). Topic `alerts.hotspots`, key `alertId`, schema version 1 (docs/messages.md).
public struct HotspotAlert: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// `hs-<uuid>`.
    public var alertId: String
    /// The event whose arrival raised the alert.
    public var eventId: String
    public var town: String
    /// Set when every report names the same village or community.
    public var village: String?
    public var category: Category
    /// Phrases most of the reports share, e.g. ["梅湾街", "停车", "小票"].
    public var theme: [String]
    /// Every report in the cluster, oldest first.
    public var eventIds: [String]
    /// The channels they came through.
    public var sources: [Source]
    /// Distinct people who reported.
    public var reporterCount: Int
    public var firstReportedAt: Date
    public var lastReportedAt: Date
    public var windowHours: Double
    public var detectedAt: Date

    public init(
        alertId: String, eventId: String, town: String, village: String?, category: Category, theme: [String],
        eventIds: [String], sources: [Source], reporterCount: Int, firstReportedAt: Date, lastReportedAt: Date,
        windowHours: Double, detectedAt: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.alertId = alertId
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
    }
}
