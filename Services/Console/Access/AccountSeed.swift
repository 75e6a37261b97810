import Foundation
import Logging
import MinshengModel
import MinshengPlatform

/// The accounts to create when the console starts with none: `console-accounts.json` in the config
/// directory. The shipped file holds the demo's accounts with their passwords in clear (like the demo
/// API tokens, they are public, and accepted only in demo mode); a real deployment ships its first
/// supervisor with `passwordHash` (an scrypt hash from `minsheng-console hash-password`), or no file,
/// and creates the rest in the console.
struct AccountSeed: Decodable, Sendable {
    struct Entry: Decodable, Sendable {
        var accountId: String
        var name: String
        var role: Role
        var unitId: String?
        var password: String?
        var passwordHash: String?
    }

    var accounts: [Entry]

    static let fileName = "console-accounts.json"

    /// Creates the file's accounts if there are none yet; returns how many were created.
    @discardableResult
    static func apply(
        directory: String, store: AccountStore, units: UnitsDirectory, demoMode: Bool, logger: Logger, now: Date
    ) async throws -> Int {
        guard FileManager.default.fileExists(atPath: "\(directory)/\(fileName)"), try await store.isEmpty else { return 0 }
        let seed = try ConfigFile.load(AccountSeed.self, file: fileName, directory: directory)
        for (index, entry) in seed.accounts.enumerated() {
            let account = Account(accountId: entry.accountId, name: entry.name, role: entry.role, unitId: entry.unitId, disabled: false)
            do {
                if let password = entry.password {
                    guard demoMode else {
                        throw AccountStore.Refusal(field: "password", message: "a password in clear is accepted only in demo mode (MINSHENG_DEMO_MODE=true); give passwordHash (minsheng-console hash-password)")
                    }
                    try await store.create(account, password: password, units: units, now: now)
                } else if let hash = entry.passwordHash {
                    guard (try? PasswordHasher.verify("", against: hash)) != nil else {
                        throw AccountStore.Refusal(field: "passwordHash", message: "not an scrypt hash from hash-password")
                    }
                    try await store.createHashed(account, passwordHash: hash, units: units, now: now)
                } else {
                    throw AccountStore.Refusal(field: "password", message: "password or passwordHash is required")
                }
            } catch let refusal as AccountStore.Refusal {
                throw ConfigurationError("\(directory)/\(fileName): accounts[\(index)].\(refusal.field): \(refusal.message)")
            }
        }
        logger.notice("Accounts created from the seed file", metadata: ["accounts": "\(seed.accounts.count)", "file": "\(fileName)"])
        return seed.accounts.count
    }
}

extension AccountStore {
    /// Creates an account with a password hash made elsewhere (the seed file).
    func createHashed(_ account: Account, passwordHash: String, units: UnitsDirectory, now: Date) async throws {
        try Self.check(account, units: units)
        try await database.write { db in
            if try Self.fetch(account.accountId, db: db) != nil {
                throw Refusal(field: "accountId", message: "账号 \(account.accountId) 已存在")
            }
            try db.execute(sql: """
                INSERT INTO account (account_id, name, role, unit_id, password_hash, disabled, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?)
                """, arguments: [account.accountId, account.name, account.role.rawValue, account.unitId, passwordHash,
                                 MessageCoding.formatTimestamp(now), MessageCoding.formatTimestamp(now)])
        }
    }
}
