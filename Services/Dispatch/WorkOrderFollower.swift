import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import ServiceLifecycle

/// The read model every dispatch instance keeps (docs/scaling.md): it follows the partitions of
/// `dispatch.workorders.changelog` that this instance does not own into its SQLite, from where its copy
/// stops, so that `GET /v1/workorders`, `/v1/stats` and the gauges answer for all orders on any instance, a
/// moment behind their owners (eventually consistent). The copy doubles as a warm standby: when a
/// partition is assigned here, its restore reads only what the follower has not read yet.
///
/// The partitions this instance owns are not read at all (their records are its own, already in its
/// store): whenever ownership changes the follower re-assigns itself to the others, and every few
/// seconds it moves an owned partition's position to the partition's end, so that a restart restores
/// only the tail. When a partition stops being owned here, following resumes from that position (the
/// few own records after it change nothing).
struct WorkOrderFollower: Service {
    let reader: KafkaPartitionReader
    let database: any DatabaseWriter
    /// Whether this instance owns a partition now.
    let owns: @Sendable (Int32) -> Bool
    let logger: Logger
    /// How often an owned partition's position is moved to its end.
    var ownedPositionInterval: Duration = .seconds(5)

    func run() async throws {
        let topic = Topics.dispatchWorkOrdersChangelog
        var partitions: [Int32]? = nil
        var followedOwned: Set<Int32>? = nil
        var ownedPositionsAt = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let all: [Int32]
                if let partitions { all = partitions } else {
                    all = try await reader.partitions(of: topic)
                    partitions = all
                }
                let owned = Set(all.filter(owns))
                if owned != followedOwned {
                    let positions = try await database.read { db in
                        try all.filter { !owned.contains($0) }.map { ($0, try Changelog.position(db, topic: topic, partition: $0)) }
                    }
                    try await reader.follow(Dictionary(uniqueKeysWithValues: positions.map {
                        (TopicPartition(topic: topic, partition: $0.0), $0.1)
                    }))
                    followedOwned = owned
                }
                if !owned.isEmpty, ContinuousClock.now - ownedPositionsAt >= ownedPositionInterval {
                    try await moveOwnedPositionsToTheEnd(owned, topic: topic)
                    ownedPositionsAt = ContinuousClock.now
                }
                let batch = try await cancelWhenGracefulShutdown { try await reader.poll(maxMessages: 500, wait: .milliseconds(200)) }
                guard !batch.isEmpty else { continue }
                let logger = logger
                let owns = owns
                try await database.write { db in
                    var next: [Int32: Int64] = [:]
                    for message in batch {
                        next[message.partition] = max(next[message.partition] ?? 0, message.offset + 1)
                        // Taken over since the last re-assignment: its records are this instance's from now on.
                        if owns(message.partition) { continue }
                        do {
                            try WorkOrderChangelog.restore(try message.decode(WorkOrderRecord.self), db: db)
                        } catch {
                            logger.error("Unreadable work-order changelog record skipped", metadata: [
                                "kafka.coordinates": "\(message.coordinates)", "error": "\(error)",
                            ])
                        }
                    }
                    for (partition, offset) in next {
                        try Changelog.setPosition(db, topic: topic, partition: partition, next: offset)
                    }
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("Following dispatch.workorders.changelog failed; trying again", metadata: ["error": "\(error)"])
                partitions = nil
                followedOwned = nil
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await reader.close()
    }

    /// Moves the position of each owned partition to the partition's end: every record before it was
    /// written by this instance (or read by its restore). The end is read first and written only if the
    /// partition is still owned then; a next owner writes only after a hand-over far longer than that.
    private func moveOwnedPositionsToTheEnd(_ owned: Set<Int32>, topic: String) async throws {
        var ends: [Int32: Int64] = [:]
        for partition in owned { ends[partition] = try await reader.endOffset(of: topic, partition: partition) }
        let owns = owns
        try await database.write { [ends] db in
            for (partition, end) in ends where owns(partition) {
                try Changelog.setPosition(db, topic: topic, partition: partition, next: end)
            }
        }
    }
}
