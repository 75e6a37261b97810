import Foundation
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Synchronization

/// How many partitions `dispatch.commands` has (known once the reply listener has asked the broker):
/// the API sends a command to the partition its work-order number names.
final class CommandPartitions: Sendable {
    private let count = Mutex<Int32?>(nil)

    func set(_ value: Int32) { count.withLock { $0 = value } }
    var current: Int32? { count.withLock { $0 } }

    /// Asks the broker (before the reply listener follows `dispatch.replies`).
    func learn(with reader: KafkaPartitionReader) async throws {
        set(Int32(try await reader.partitions(of: Topics.dispatchCommands).count))
    }
}
