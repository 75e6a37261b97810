import Crypto
import Foundation
import GRDB
import MinshengModel

/// Login sessions: a random token in an HttpOnly, SameSite=Strict cookie; only its SHA-256 is stored.
/// Each session has its own CSRF token, which pages send back in `X-CSRF-Token` with every change.
struct SessionStore: Sendable {
    let database: any DatabaseWriter
    let lifetime: TimeInterval

    struct Session: Sendable, Equatable {
        var account: Account
        var csrfToken: String
        var tokenHash: String
        var expiresAt: Date
    }

    /// Opens a session; returns the cookie token (shown once, never stored) and the session.
    func open(for account: Account, now: Date) async throws -> (token: String, session: Session) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let hash = Self.hash(token)
        let expires = now.addingTimeInterval(lifetime)
        try await database.write { db in
            try db.execute(sql: "DELETE FROM session WHERE expires_at <= ?", arguments: [MessageCoding.formatTimestamp(now)])
            try db.execute(sql: "INSERT INTO session (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [hash, account.accountId, csrf, MessageCoding.formatTimestamp(now),
                                       MessageCoding.formatTimestamp(expires)])
        }
        return (token, Session(account: account, csrfToken: csrf, tokenHash: hash, expiresAt: expires))
    }

    /// The live session of a cookie token, with its account (not disabled); nil otherwise.
    func find(token: String, now: Date) async throws -> Session? {
        let hash = Self.hash(token)
        return try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.csrf_token, s.expires_at, a.* FROM session s JOIN account a ON a.account_id = s.account_id
                WHERE s.token_hash = ?
                """, arguments: [hash]),
                let expires = MessageCoding.parseTimestamp(row["expires_at"]), expires > now
            else { return nil }
            let account = try AccountStore.account(row)
            guard !account.disabled else { return nil }
            return Session(account: account, csrfToken: row["csrf_token"], tokenHash: hash, expiresAt: expires)
        }
    }

    func close(tokenHash: String) async throws {
        try await database.write { db in try db.execute(sql: "DELETE FROM session WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    /// 32 random bytes, base64url without padding.
    static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
