import Foundation

/// An event intake accepted: validated, normalised, seen for the first time.
/// Topic `events.accepted`, key `eventId`, schema version 1 (docs/messages.md).
public struct AcceptedEvent: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// Minsheng's own id for the event, stable across every topic.
    public var eventId: String
    public var source: Source
    /// The `id` the outside system gave it, unique within its source.
    public var sourceId: String
    public var occurredAt: Date
    public var receivedAt: Date
    public var text: String
    public var requestType: RequestType?
    public var reporter: Reporter?
    public var address: String?
    public var location: GeoPoint?
    public var extra: [String: JSONValue]

    public init(
        eventId: String, source: Source, sourceId: String, occurredAt: Date, receivedAt: Date, text: String,
        requestType: RequestType? = nil, reporter: Reporter? = nil, address: String? = nil,
        location: GeoPoint? = nil, extra: [String: JSONValue] = [:]
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = eventId
        self.source = source
        self.sourceId = sourceId
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.text = text
        self.requestType = requestType
        self.reporter = reporter
        self.address = address
        self.location = location
        self.extra = extra
    }
}
