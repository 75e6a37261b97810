import Foundation
import GRDB
import MinshengKafka

/// State a service keeps per partition of its input, the Kafka Streams way (docs/scaling.md): the
/// instance that owns partition p of the input topics owns the state of partition p, keeps it in its
/// SQLite, and writes every change of it to partition p of a changelog topic in the same transaction
/// (through the outbox). Whoever is assigned p next restores it from the changelog before processing
/// any message of p: an instance with an empty disk from the start, a returning one from where its
/// local copy stops.
public protocol PartitionedState: Sendable {
    /// The input topics whose partition p carries the state of partition p. They must have the same
    /// partition count, the same key and the same partitioner (co-partitioned).
    var inputTopics: Set<String> { get }

    /// The changelog topic: its partition p holds the records of state partition p.
    var changelogTopic: String { get }

    /// Applies one changelog record to the local store. It must be idempotent, and a record older
    /// than what is stored for its key (a late re-send) must change nothing.
    func restore(_ record: KafkaMessage, db: Database) throws
}

/// Writing the changelog.
public enum Changelog {
    /// Records `value` for `key` in partition `partition` of `topic`, in the caller's transaction,
    /// after the outputs of the same change (so that a changelog record in Kafka implies its outputs
    /// are there too).
    public static func record(
        _ db: Database, topic: String, partition: Int32, key: String, value: some Encodable, now: Date = Date()
    ) throws {
        try Outbox.enqueue(db, topic: topic, key: key, message: value, partition: partition, now: now)
    }

    /// Where the local copy of a changelog partition stops: the next offset to read.
    public static func position(_ db: Database, topic: String, partition: Int32) throws -> Int64 {
        try Int64.fetchOne(db.cached("SELECT next_offset FROM changelog_position WHERE topic = ? AND partition = ?"),
                           arguments: [topic, partition]) ?? 0
    }

    /// Notes that the local copy goes up to `next` (never backwards): a service that follows the changelog
    /// of partitions it does not own (a read model, a warm standby) moves it on, so that taking the
    /// partition over reads only the rest.
    public static func setPosition(_ db: Database, topic: String, partition: Int32, next: Int64) throws {
        try db.run("""
            INSERT INTO changelog_position (topic, partition, next_offset) VALUES (?, ?, ?)
            ON CONFLICT (topic, partition) DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)
            """, [topic, partition, next])
    }
}
