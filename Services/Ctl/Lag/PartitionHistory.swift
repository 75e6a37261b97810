import Foundation

/// The sliding window one partition of one group is judged on: Burrow's ring of commits plus its ring
/// of broker end offsets.
///
/// Burrow reads every commit (offset, time) from `__consumer_offsets`. The admin API gives only the
/// committed offset, without a time, so the commit stream is rebuilt from samples: a sample adds a
/// commit when the committed offset changed since the last one, and — while a live member of the
/// group holds the partition — also when it did not (a live consumer keeps committing its position,
/// which is what lets Burrow tell STALLED from STOPPED). A partition nobody holds adds commits only
/// when its offset moves, so its last commit ages: that is STOPPED.
public struct PartitionHistory: Sendable, Equatable {
    /// One commit as Burrow stores it: the offset, when it was seen, and the lag at that moment.
    public struct Commit: Sendable, Equatable {
        public var offset: Int64
        public var at: Date
        public var lag: Int64
    }

    /// How many commits and end offsets are kept (Burrow's `intervals`, default 10).
    public let capacity: Int
    public private(set) var commits: [Commit] = []
    public private(set) var endOffsets: [Int64] = []
    /// Samples taken so far (a window is complete after `LagEvaluator.Rules.minimumSamples`).
    public private(set) var samples = 0

    public init(capacity: Int = 10) {
        self.capacity = max(2, capacity)
    }

    /// Adds one sample: the group's committed offset (nil when it has none: then the partition's
    /// first offset, where a group reading from the earliest offset starts), the partition's first and
    /// end offsets, and whether a live member holds it.
    public mutating func record(at time: Date, committed: Int64?, start: Int64, end: Int64, held: Bool) {
        samples += 1
        append(end, to: &endOffsets)
        let offset = committed ?? start
        let lag = max(0, end - offset)
        if commits.isEmpty || commits[commits.count - 1].offset != offset || held {
            append(Commit(offset: offset, at: time, lag: lag), to: &commits)
        }
    }

    private func append<T>(_ value: T, to ring: inout [T]) {
        ring.append(value)
        if ring.count > capacity { ring.removeFirst(ring.count - capacity) }
    }
}
