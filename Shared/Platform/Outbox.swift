import Foundation
import GRDB
import MinshengModel

/// The transactional outbox: what a service will publish is written here in the same transaction as
/// the change it reports, and `OutboxPublisher` publishes it after the commit.
public enum Outbox {
    /// Adds a message to publish once the surrounding transaction commits; to `partition` when given
    /// (a changelog record goes to the partition of the state it records), else the key's partition.
    public static func enqueue(
        _ db: Database, topic: String, key: String, payload: [UInt8], partition: Int32? = nil, now: Date = Date()
    ) throws {
        try insert(db, topic: topic, key: key, payload: payload, partition: partition, isReply: false, now: now)
    }

    private static func insert(
        _ db: Database, topic: String, key: String, payload: [UInt8], partition: Int32?, isReply: Bool, now: Date
    ) throws {
        try db.run("INSERT INTO outbox (topic, message_key, payload, created_at, target_partition, is_reply) VALUES (?, ?, ?, ?, ?, ?)",
                   [topic, key, Data(payload), MessageCoding.formatTimestamp(now), partition, isReply])
    }

    /// Encodes `message` with the shared message coding and enqueues it.
    public static func enqueue(
        _ db: Database, topic: String, key: String, message: some Encodable, partition: Int32? = nil, now: Date = Date()
    ) throws {
        try enqueue(db, topic: topic, key: key, payload: try MessageCoding.encode(message), partition: partition, now: now)
    }

    /// Adds a reply to a caller who waits on another instance (docs/scaling.md, "Requests and replies"):
    /// it is published only once every row written before it (the changelog records and output of the
    /// change it acknowledges) is in Kafka, so a caller told "done" never hears of a change that could
    /// still be lost with this instance's disk.
    public static func enqueueReply(
        _ db: Database, topic: String, key: String, message: some Encodable, now: Date = Date()
    ) throws {
        try insert(db, topic: topic, key: key, payload: try MessageCoding.encode(message), partition: nil, isReply: true, now: now)
    }

    /// The highest row id written so far (in this transaction too): once every row up to it is
    /// published, everything this transaction enqueued is in Kafka.
    public static func lastId(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cached("SELECT MAX(id) FROM outbox")) ?? 0
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
