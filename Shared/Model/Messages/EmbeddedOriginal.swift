import Crypto
import Foundation

/// The bytes of one message carried inside another (a rejection, a dead letter): whole up to a limit,
/// else only a prefix, always with the whole length and SHA-256, so that a huge original can never make
/// the message that reports it too large to publish, and a sender can still match what it sent.
public struct EmbeddedOriginal: Sendable, Equatable {
    /// What is embedded, base64.
    public var base64: String
    /// The whole original's length in bytes.
    public var byteCount: Int
    /// The whole original's SHA-256, lower-case hex.
    public var sha256: String
    /// Only a prefix is embedded.
    public var truncated: Bool

    /// Embeds at most `limit` bytes of `bytes`.
    public init(_ bytes: [UInt8], limit: Int) {
        let kept = bytes.count <= limit ? bytes[...] : bytes.prefix(limit)
        base64 = Data(kept).base64EncodedString()
        byteCount = bytes.count
        sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        truncated = kept.count < bytes.count
    }

    /// A rejection embeds the first 64 KiB: intake accepts no larger message, so what is cut was refused
    /// as too large anyway.
    public static let rejectionLimit = 64 * 1024
    /// A dead letter embeds up to 256 KiB, whole for every message the services exchange, so that it can
    /// be replayed; base64 of that stays far below the producer's 1 MB.
    public static let deadLetterLimit = 256 * 1024
}
