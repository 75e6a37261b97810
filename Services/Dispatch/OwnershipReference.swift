import MinshengPlatform
import Synchronization

/// The consumer's `PartitionOwnership`, for the services made before it.
final class OwnershipReference: Sendable {
    private let ownership = Mutex<PartitionOwnership?>(nil)

    func set(_ value: PartitionOwnership) { ownership.withLock { $0 = value } }

    /// The partitions owned now (none before the consumer exists).
    var owned: Set<Int32> { ownership.withLock { $0 }?.owned ?? [] }

    func owns(_ partition: Int32) -> Bool { ownership.withLock { $0 }?.owns(partition) ?? false }
}
