import Crypto
import Foundation

/// The signatures receivers check.
enum Signing {
    /// Webhooks: `X-Minsheng-Timestamp: <Unix seconds>` and `X-Minsheng-Signature: sha256=<hex
    /// HMAC-SHA256, keyed with the unit's secret, of "<timestamp>.<body>">`. Signing the timestamp with the
    /// body lets a receiver refuse a replay: a stale timestamp (docs/security.md: 5 minutes) or a
    /// repeated Idempotency-Key.
    static func webhookSignature(body: [UInt8], secret: String, timestamp: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// The webhook timestamp: whole Unix seconds.
    static func webhookTimestamp(_ date: Date) -> String {
        String(Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// DingTalk / 浙政钉 group robots: `timestamp` (ms) and `sign` = URL-encoded base64 of
    /// HMAC-SHA256(key: secret, message: "<timestamp>\n<secret>"), appended to the robot URL's query.
    static func robotSignedURL(_ url: String, secret: String, at date: Date) -> String {
        let timestamp = String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        let sign = robotSignature(timestamp: timestamp, secret: secret)
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + "timestamp=\(timestamp)&sign=\(percentEncode(sign))"
    }

    static func robotSignature(timestamp: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp)\n\(secret)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Data(code).base64EncodedString()
    }

    /// Percent-encodes everything but unreserved characters (base64's + / = included).
    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
