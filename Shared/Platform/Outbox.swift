import Foundation
import GRDB
import MinshengModel

/// The transactional outbox: what a service will publish is written here in the same transaction as
/// the change it reports, and `OutboxPublisher` publishes it after the commit.
public enum Outbox {
    /// Adds a message to publish once the surrounding transaction commits.
    public static func enqueue(_ db: Database, topic: String, key: String, payload: [UInt8], now: Date = Date()) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO outbox (topic, message_key, payload, created_at) VALUES (?, ?, ?, ?)")
        try statement.execute(arguments: [topic, key, Data(payload), MessageCoding.formatTimestamp(now)])
    }

    /// Encodes `message` with the shared message coding and enqueues it.
    public static func enqueue(_ db: Database, topic: String, key: String, message: some Encodable, now: Date = Date()) throws {
        try enqueue(db, topic: topic, key: key, payload: try MessageCoding.encode(message), now: now)
    }

    /// How many messages are parked (undeliverable as they are).
    public static func parkedCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE parked_at IS NOT NULL") ?? 0
    }

    /// How many messages wait to be published.
    public static func pendingCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL") ?? 0
    }
}
