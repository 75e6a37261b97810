import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Dispatch's partitioned state: the work orders of the partitions of `events.classified` this instance
/// (and of `dispatch.commands`, co-partitioned with it) owns, restored from `dispatch.workorders.changelog` on assignment.
struct DispatchState: PartitionedState {
    var inputTopics: Set<String> { [Topics.eventsClassified, Topics.dispatchCommands] }
    var changelogTopic: String { Topics.dispatchWorkOrdersChangelog }

    func restore(_ record: KafkaMessage, db: Database) throws {
        try WorkOrderChangelog.restore(try record.decode(WorkOrderRecord.self), db: db)
    }
}
