import Foundation

/// Something intake refused, with the original bytes and the reason.
/// Topic `events.rejected`, key: the source id when it could be read, else the sender's Kafka key, else
/// the origin; schema version 1.
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
    /// The original bytes, base64: whole up to 64 KiB, else the first 64 KiB (`originalTruncated`).
    public var originalBase64: String
    /// The original's whole length in bytes.
    public var originalBytes: Int?
    /// The original's SHA-256, hex: a sender matches its refusal by it when the original was cut.
    public var originalSha256: String?
    /// Set (true) when `originalBase64` holds only the first 64 KiB.
    public var originalTruncated: Bool?
    /// The Kafka key the sender gave the refused message, when it had a UTF-8 one.
    public var originalKey: String?
    public var rejectedAt: Date

    public init(
        eventId: String, source: Source, sourceId: String?, origin: String, reason: String, field: String?,
        message: String, original: [UInt8], originalKey: String? = nil, rejectedAt: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = eventId
        self.source = source
        self.sourceId = sourceId
        self.origin = origin
        self.reason = reason
        self.field = field
        self.message = message
        let embedded = EmbeddedOriginal(original, limit: EmbeddedOriginal.rejectionLimit)
        self.originalBase64 = embedded.base64
        self.originalBytes = embedded.byteCount
        self.originalSha256 = embedded.sha256
        self.originalTruncated = embedded.truncated ? true : nil
        self.originalKey = originalKey
        self.rejectedAt = rejectedAt
    }
}
