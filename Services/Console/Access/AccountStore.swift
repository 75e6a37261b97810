import Crypto
import Foundation
import GRDB
import MinshengModel

/// The console's accounts in its SQLite: creating and changing them, and checking a login. Five wrong
/// passwords in a row lock an account for five minutes; the answer to a failed login never says
/// whether the account exists.
struct AccountStore: Sendable {
    let database: any DatabaseWriter
    let hasher: PasswordHasher

    static let maximumFailures = 5
    static let lockout: TimeInterval = 300

    /// Why an account change was refused (400).
    struct Refusal: Error, Equatable, CustomStringConvertible {
        var field: String
        var message: String
        var description: String { message }
    }

    enum LoginOutcome: Equatable {
        case success(Account)
        case wrongCredentials
        case locked(until: Date)
    }

    func account(_ id: String) async throws -> Account? {
        try await database.read { db in try Self.fetch(id, db: db) }
    }

    func all() async throws -> [Account] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM account ORDER BY role, account_id").map(Self.account)
        }
    }

    var isEmpty: Bool {
        get async throws { try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM account") ?? 0 } == 0 }
    }

    /// Checks a login name and password. The password is hashed even for an unknown name, so the time
    /// taken does not tell which names exist.
    func login(_ id: String, password: String, now: Date) async throws -> LoginOutcome {
        let stored = try await database.read { db -> (Account, String, Date?)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM account WHERE account_id = ?", arguments: [id]) else { return nil }
            return (try Self.account(row), row["password_hash"], (row["locked_until"] as String?).flatMap(MessageCoding.parseTimestamp))
        }
        guard let (account, hash, lockedUntil) = stored else {
            _ = try? PasswordHasher.verify(password, against: Self.decoyHash)
            return .wrongCredentials
        }
        if let lockedUntil, lockedUntil > now { return .locked(until: lockedUntil) }
        let matches = (try? PasswordHasher.verify(password, against: hash)) ?? false
        guard matches, !account.disabled else {
            try await database.write { db in
                try db.execute(sql: "UPDATE account SET failed_logins = failed_logins + 1 WHERE account_id = ?", arguments: [id])
                let failures = try Int.fetchOne(db, sql: "SELECT failed_logins FROM account WHERE account_id = ?", arguments: [id]) ?? 0
                if failures >= Self.maximumFailures {
                    try db.execute(sql: "UPDATE account SET failed_logins = 0, locked_until = ? WHERE account_id = ?",
                                   arguments: [MessageCoding.formatTimestamp(now.addingTimeInterval(Self.lockout)), id])
                }
            }
            return .wrongCredentials
        }
        try await database.write { db in
            try db.execute(sql: "UPDATE account SET failed_logins = 0, locked_until = NULL WHERE account_id = ?", arguments: [id])
        }
        return .success(account)
    }

    /// Creates an account; the id must be new, the password long enough, a unit handler's unit known.
    func create(_ account: Account, password: String, units: UnitsDirectory, now: Date) async throws {
        try Self.check(account, units: units)
        try Self.check(password: password)
        let hash = try hasher.hash(password)
        try await database.write { db in
            if try Self.fetch(account.accountId, db: db) != nil {
                throw Refusal(field: "accountId", message: "账号 \(account.accountId) 已存在")
            }
            try db.execute(sql: """
                INSERT INTO account (account_id, name, role, unit_id, password_hash, disabled, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [account.accountId, account.name, account.role.rawValue, account.unitId, hash, account.disabled,
                                 MessageCoding.formatTimestamp(now), MessageCoding.formatTimestamp(now)])
        }
    }

    /// Changes name, role, unit or the disabled flag; a disabled account loses its sessions.
    func update(_ account: Account, units: UnitsDirectory, now: Date) async throws {
        try Self.check(account, units: units)
        try await database.write { db in
            guard try Self.fetch(account.accountId, db: db) != nil else {
                throw Refusal(field: "accountId", message: "没有账号 \(account.accountId)")
            }
            try db.execute(sql: "UPDATE account SET name = ?, role = ?, unit_id = ?, disabled = ?, updated_at = ? WHERE account_id = ?",
                           arguments: [account.name, account.role.rawValue, account.unitId, account.disabled,
                                       MessageCoding.formatTimestamp(now), account.accountId])
            if account.disabled { try db.execute(sql: "DELETE FROM session WHERE account_id = ?", arguments: [account.accountId]) }
        }
    }

    /// Sets a new password (and ends the account's other sessions).
    func setPassword(_ id: String, to password: String, keepingSession tokenHash: String? = nil, now: Date) async throws {
        try Self.check(password: password)
        let hash = try hasher.hash(password)
        try await database.write { db in
            guard try Self.fetch(id, db: db) != nil else { throw Refusal(field: "accountId", message: "没有账号 \(id)") }
            try db.execute(sql: "UPDATE account SET password_hash = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE account_id = ?",
                           arguments: [hash, MessageCoding.formatTimestamp(now), id])
            try db.execute(sql: "DELETE FROM session WHERE account_id = ? AND token_hash IS NOT ?", arguments: [id, tokenHash])
        }
    }

    static func check(_ account: Account, units: UnitsDirectory) throws {
        let id = account.accountId
        guard (2...40).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw Refusal(field: "accountId", message: "账号为 2-40 位字母、数字或 . _ -")
        }
        let name = account.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...40).contains(name.count), !name.contains(where: \.isNewline) else {
            throw Refusal(field: "name", message: "姓名为 1-40 个字符")
        }
        switch account.role {
        case .unit:
            guard let unitId = account.unitId, let unit = units.unit(id: unitId), unit.tier != .centre else {
                throw Refusal(field: "unitId", message: "单位经办人须指定承办单位（units.json 中的单位）")
            }
        case .staff, .supervisor, .viewer:
            guard account.unitId == nil else { throw Refusal(field: "unitId", message: "只有单位经办人有所属单位") }
        }
    }

    static func check(password: String) throws {
        guard password.count >= PasswordHasher.minimumLength else {
            throw Refusal(field: "password", message: "密码至少 \(PasswordHasher.minimumLength) 位")
        }
        guard password.count <= 200 else { throw Refusal(field: "password", message: "密码过长") }
    }

    static func fetch(_ id: String, db: Database) throws -> Account? {
        try Row.fetchOne(db, sql: "SELECT * FROM account WHERE account_id = ?", arguments: [id]).map(account)
    }

    static func account(_ row: Row) throws -> Account {
        Account(accountId: row["account_id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .viewer,
                unitId: row["unit_id"], disabled: row["disabled"])
    }

    /// A hash no password matches in practice, verified for unknown names to spend the same time.
    static let decoyHash = "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
}
