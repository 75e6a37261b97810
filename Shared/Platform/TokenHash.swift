import Crypto
import Foundation

/// How an API token is stored: never the token, only `hmac-sha256:<salt hex>:<digest hex>`, the
/// HMAC-SHA256 of the token keyed with a random 16-byte salt of its own (docs/security.md). The files
/// (`units.json`, `intake-senders.json`) carry these; `scripts/tools/hash-token.py` makes them.
public struct TokenHash: Sendable, Equatable, CustomStringConvertible {
    public static let scheme = "hmac-sha256"
    /// The shortest token accepted: guessing one must be hopeless.
    public static let minimumTokenLength = 32
    /// Tokens that start with this are public (derived from ids) and work only in demo mode.
    public static let demoPrefix = "demo-"

    public let salt: [UInt8]
    public let digest: [UInt8]

    public init(salt: [UInt8], digest: [UInt8]) {
        self.salt = salt
        self.digest = digest
    }

    /// Parses the stored form; nil when it is not `hmac-sha256:<32 hex>:<64 hex>`.
    public init?(stored: String) {
        let parts = stored.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.scheme,
              let salt = Self.bytes(hex: parts[1]), salt.count == 16,
              let digest = Self.bytes(hex: parts[2]), digest.count == 32 else { return nil }
        self.init(salt: salt, digest: digest)
    }

    /// The hash of `token` with a new random salt.
    public static func make(token: String) -> TokenHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return TokenHash(salt: salt, digest: digest(of: token, salt: salt))
    }

    /// A new random token: 48 hex digits (192 bits).
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    public static func digest(of token: String, salt: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(token.utf8), using: SymmetricKey(data: salt)))
    }

    /// Whether `token` is the one hashed, in time that does not depend on where the digests differ.
    public func matches(_ token: String) -> Bool {
        Self.constantTimeEquals(Self.digest(of: token, salt: salt), digest)
    }

    public var description: String {
        "\(Self.scheme):\(Self.hex(salt)):\(Self.hex(digest))"
    }

    /// What is wrong with a stored hash, or nil when it is fine.
    public static func problem(stored: String) -> String? {
        TokenHash(stored: stored) == nil
            ? "must be \(scheme):<32 hex digits of salt>:<64 hex digits> (make one with scripts/tools/hash-token.py)" : nil
    }

    /// Byte-wise comparison whose running time depends only on the lengths.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
