import Foundation

/// Something intake refused, with the original bytes and the reason.
/// Topic `events.rejected`, key: the source id when it could be read, else the origin; schema version 1.
public struct RejectedEvent: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// The id Minsheng gave the rejection (there is no event).
    public var eventId: String
    public var source: Source
    /// The inbound `id`, when it could be read.
    public var sourceId: String?
    /// Where it came from: `kafka:<topic>/<partition>/<offset>` or `http`.
    public var origin: String
    /// Machine-readable reason: malformed_json, invalid_utf8, missing_field, invalid_field, too_large.
    public var reason: String
    /// The offending field, when there is one.
    public var field: String?
    /// A sentence a person can act on.
    public var message: String
    /// The original bytes, base64.
    public var originalBase64: String
    public var rejectedAt: Date

    public init(
        eventId: String, source: Source, sourceId: String?, origin: String, reason: String, field: String?,
        message: String, original: [UInt8], rejectedAt: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = eventId
        self.source = source
        self.sourceId = sourceId
        self.origin = origin
        self.reason = reason
        self.field = field
        self.message = message
        self.originalBase64 = Data(original).base64EncodedString()
        self.rejectedAt = rejectedAt
    }
}
