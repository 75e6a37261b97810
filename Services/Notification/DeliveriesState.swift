import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Notification's partitioned state (docs/scaling.md): partition p is everything planned from
/// messages of partition p of `workorders.updates` (keyed by the matter's event id) and
/// `alerts.hotspots` (keyed by alert id), co-partitioned: the notifications with their delivery state
/// and attempts, and each work order's latest change acted on. The instance assigned partition p owns
/// it; its changelog is partition p of `notification.deliveries.changelog`.
struct DeliveriesState: PartitionedState {
    /// Finished notifications and work orders' changes older than this are not restored (nil: all).
    var retention: TimeInterval?

    var inputTopics: Set<String> { [Topics.workOrderUpdates, Topics.hotspotAlerts] }
    var changelogTopic: String { NotificationChangelog.topic }

    func restore(_ record: KafkaMessage, db: Database) throws {
        // A null value (a tombstone, as real Kafka delivers one an operator wrote to drop a key) deletes what
        // the key holds. Notification writes none (the local broker drops them).
        if record.value.isEmpty {
            guard let key = record.keyString else {
                throw NotificationChangelogError("changelog record \(record.coordinates) has neither a key nor a value")
            }
            try NotificationChangelog.forget(key: key, db: db)
            return
        }
        let value: NotificationChangelogRecord
        do {
            value = try record.decode(NotificationChangelogRecord.self)
        } catch {
            // Skipping it would forget state (a finished notification sent again): the partition waits,
            // and the restore's error log says why, until a version of the service that reads it runs.
            throw NotificationChangelogError("changelog record \(record.coordinates) cannot be restored: \(error)")
        }
        try NotificationChangelog.apply(value, partition: record.partition, db: db, now: Date(), retention: retention)
    }
}
