import Crypto
import Foundation

/// Ids derived from what they name, the same wherever and however often they are computed: processing
/// one input twice (two owners around a hand-over, a crash and a retry) gives the same id, and the
/// consumers downstream drop the repeat by it (docs/scaling.md).
public enum StableId {
    /// `<prefix>-<uuid>`: a version-5-style UUID from the SHA-256 of the parts (joined by a newline).
    public static func make(_ prefix: String, _ parts: String...) -> String {
        make(prefix, bytes: Array(parts.joined(separator: "\n").utf8))
    }

    public static func make(_ prefix: String, bytes: [UInt8]) -> String {
        var digest = Array(SHA256.hash(data: bytes).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x50  // version 5 (name-based)
        digest[8] = (digest[8] & 0x3F) | 0x80  // RFC 4122 variant
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return "\(prefix)-" + parts.joined(separator: "-")
    }

    /// An event's id: from its source, its id there and when it happened. A retry of the same report
    /// gets the same id; an id a sender reuses for another report (another time) gets a new one.
    public static func event(source: Source, sourceId: String, occurredAt: Date) -> String {
        make("ev", "event", source.rawValue, sourceId, MessageCoding.formatTimestamp(occurredAt))
    }
}
