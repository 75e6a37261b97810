import Foundation

/// A message a service could not process after retries, parked so the partition moves on.
/// Topic `<service>.dlq`, key: the original key (or `topic/partition/offset` when it had none); schema version 1.
public struct DeadLetter: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// The event the message was about, when it could be read.
    public var eventId: String?
    public var service: String
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: String?
    public var reason: String
    public var attempts: Int
    /// The message value, base64: whole up to 256 KiB, else the first 256 KiB (`originalTruncated`).
    public var originalBase64: String
    /// The value's whole length in bytes.
    public var originalBytes: Int?
    /// The value's SHA-256, hex.
    public var originalSha256: String?
    /// Set (true) when `originalBase64` holds only a prefix: such a letter cannot be replayed as it is.
    public var originalTruncated: Bool?
    public var failedAt: Date

    public init(
        eventId: String?, service: String, topic: String, partition: Int32, offset: Int64, key: String?,
        reason: String, attempts: Int, original: [UInt8], failedAt: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = eventId
        self.service = service
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.reason = reason
        self.attempts = attempts
        let embedded = EmbeddedOriginal(original, limit: EmbeddedOriginal.deadLetterLimit)
        self.originalBase64 = embedded.base64
        self.originalBytes = embedded.byteCount
        self.originalSha256 = embedded.sha256
        self.originalTruncated = embedded.truncated ? true : nil
        self.failedAt = failedAt
    }
}
