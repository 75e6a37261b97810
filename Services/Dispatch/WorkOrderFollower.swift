import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import ServiceLifecycle

/// The read model every dispatch instance keeps (docs/scaling.md): it follows every partition of
/// `dispatch.workorders.changelog` into its SQLite, from where its copy stops, so that `GET
/// /v1/workorders`, `/v1/stats` and the gauges answer for all orders on any instance, a moment behind
/// their owners (eventually consistent). The records of the partitions this instance owns change
/// nothing (what is stored is as new), and the copy doubles as a warm standby: when a partition is
/// assigned here, its restore reads only what the follower has not read yet. The records of partitions
/// this instance owns are its own (what came before it took them over, the restore read): they are
/// passed over, only the position moves on.
struct WorkOrderFollower: Service {
    let reader: KafkaPartitionReader
    let database: any DatabaseWriter
    /// Whether this instance owns a partition now.
    let owns: @Sendable (Int32) -> Bool
    let logger: Logger

    func run() async throws {
        var following = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !following {
                    let topic = Topics.dispatchWorkOrdersChangelog
                    let partitions = try await reader.partitions(of: topic)
                    let positions = try await database.read { db in
                        try partitions.map { ($0, try Changelog.position(db, topic: topic, partition: $0)) }
                    }
                    try await reader.follow(Dictionary(uniqueKeysWithValues: positions.map {
                        (TopicPartition(topic: topic, partition: $0.0), $0.1)
                    }))
                    following = true
                }
                let batch = try await cancelWhenGracefulShutdown { try await reader.poll(maxMessages: 500, wait: .milliseconds(200)) }
                guard !batch.isEmpty else { continue }
                let logger = logger
                let owns = owns
                try await database.write { db in
                    var next: [Int32: Int64] = [:]
                    for message in batch {
                        next[message.partition] = max(next[message.partition] ?? 0, message.offset + 1)
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
                        try Changelog.setPosition(db, topic: Topics.dispatchWorkOrdersChangelog, partition: partition, next: offset)
                    }
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("Following dispatch.workorders.changelog failed; trying again", metadata: ["error": "\(error)"])
                following = false
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await reader.close()
    }
}
