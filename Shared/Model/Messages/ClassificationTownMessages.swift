import Foundation

/// A classified and placed report on its way to the classification instance that owns its town: that one
/// finds its repeats and hotspots in the town's window (docs/scaling.md). Topic `classification.bytown`
/// (internal), key the town (镇/街道), schema version 1 (docs/messages.md). Written by classification's
/// stateless step from `events.accepted`; only reports with a town go this way.
public struct TownReport: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// The event as intake accepted it (its arrival time and reporter are part of the window).
    public var accepted: AcceptedEvent
    /// The stateless step's decision, `duplicateOf` not yet set: the owner sets it and publishes this.
    public var classified: ClassifiedEvent
    /// The calibrated probability of each category, in `Category.allCases` order: with the text, the
    /// address and the village, what the owner makes the report's similarity signature from.
    public var categoryProbabilities: [Float]

    public init(accepted: AcceptedEvent, classified: ClassifiedEvent, categoryProbabilities: [Float]) {
        self.schemaVersion = Self.currentSchemaVersion
        self.accepted = accepted
        self.classified = classified
        self.categoryProbabilities = categoryProbabilities
    }
}

/// One row of the repeat-and-hotspot window of a town, as its owner keeps it. Topic
/// `classification.window.changelog` (compacted, with a time limit), in the partition of the town's
/// `classification.bytown` messages; schema version 1. Key `report/<eventId>` with `report` set, or
/// `hotspot/<alertId>` with `hotspot` set. Every record carries the whole row and its `version`: a
/// restore never lets an older version replace a newer one.
public struct ClassificationWindowRecord: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    /// A report in the window.
    public struct Report: Codable, Sendable, Equatable {
        public var eventId: String
        public var source: Source
        public var town: String
        public var village: String?
        public var category: Category
        /// Who reported, as the window compares reporters: `phone:…`, `name:<source>:…` or `event:<id>`.
        public var reporterKey: String
        public var occurredAt: Date
        public var receivedAt: Date
        /// The matter (重复件 chain) it belongs to: the event id of the matter's first report.
        public var matterId: String
        public var duplicateOf: String?
        public var hotspotId: String?
        /// Its similarity signature (base64) and the model version that made it; a restoring instance with
        /// another model signs `text` again.
        public var signature: String
        public var signatureVersion: String
        public var text: String
        /// 1 when it entered the window, one more on each change (joining a hotspot).
        public var version: Int

        public init(eventId: String, source: Source, town: String, village: String?, category: Category, reporterKey: String,
                    occurredAt: Date, receivedAt: Date, matterId: String, duplicateOf: String?, hotspotId: String?,
                    signature: String, signatureVersion: String, text: String, version: Int) {
            self.eventId = eventId
            self.source = source
            self.town = town
            self.village = village
            self.category = category
            self.reporterKey = reporterKey
            self.occurredAt = occurredAt
            self.receivedAt = receivedAt
            self.matterId = matterId
            self.duplicateOf = duplicateOf
            self.hotspotId = hotspotId
            self.signature = signature
            self.signatureVersion = signatureVersion
            self.text = text
            self.version = version
        }
    }

    /// A hotspot: its last published revision (the revision is its version).
    public struct Hotspot: Codable, Sendable, Equatable {
        public var alert: HotspotAlert
        /// Hashes of its distinct reporters (never phone numbers).
        public var reporterHashes: [String]
        /// How many reports its last revision listed.
        public var publishedSize: Int?

        public init(alert: HotspotAlert, reporterHashes: [String], publishedSize: Int?) {
            self.alert = alert
            self.reporterHashes = reporterHashes
            self.publishedSize = publishedSize
        }
    }

    public var schemaVersion: Int
    public var report: Report?
    public var hotspot: Hotspot?

    public init(report: Report) {
        schemaVersion = Self.currentSchemaVersion
        self.report = report
        hotspot = nil
    }

    public init(hotspot: Hotspot) {
        schemaVersion = Self.currentSchemaVersion
        report = nil
        self.hotspot = hotspot
    }

    /// The record's key on the changelog.
    public var key: String {
        if let report { return "report/\(report.eventId)" }
        return "hotspot/\(hotspot?.alert.alertId ?? "")"
    }
}

extension TownReport: VersionedMessage {}
extension ClassificationWindowRecord: VersionedMessage {}
