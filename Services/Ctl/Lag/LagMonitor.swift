import Foundation
import MinshengKafka

/// Keeps the sliding window of every group and partition across readings and judges each reading.
public struct LagMonitor: Sendable {
    public var evaluator: LagEvaluator
    public var capacity: Int
    private var histories: [String: [TopicPartition: PartitionHistory]] = [:]

    public init(evaluator: LagEvaluator = LagEvaluator(), capacity: Int = 10) {
        self.evaluator = evaluator
        self.capacity = capacity
    }

    /// Adds `reading` to the windows and returns the judged report.
    public mutating func observe(_ reading: LagReading) -> LagReport {
        var groups: [LagReport.Group] = []
        var seen: [String: Set<TopicPartition>] = [:]
        for group in reading.groups {
            var rows: [LagReport.Row] = []
            for partition in group.partitions {
                let key = partition.topicPartition
                seen[group.groupId, default: []].insert(key)
                var history = histories[group.groupId]?[key] ?? PartitionHistory(capacity: capacity)
                history.record(at: reading.at, committed: partition.committed, start: partition.start, end: partition.end,
                               held: partition.owner != nil)
                histories[group.groupId, default: [:]][key] = history
                var verdict = evaluator.evaluate(history, currentLag: partition.lag, now: reading.at)
                if let committed = partition.committed, committed > partition.end {
                    verdict = .init(.error, "committed offset \(committed) is beyond the end \(partition.end): was the topic recreated?")
                } else if let committed = partition.committed, committed < partition.start, partition.lag > 0 {
                    verdict = .init(.error, "committed offset \(committed) is before the first offset \(partition.start): messages expired unread")
                }
                rows.append(LagReport.Row(
                    topic: key.topic, partition: key.partition, committed: partition.committed, end: partition.end,
                    lag: partition.lag, owner: partition.owner.map(Self.ownerText), status: verdict.status,
                    reason: verdict.reason, complete: verdict.complete))
            }
            var status = rows.map(\.status).max() ?? .ok
            var reason = rows.filter { $0.status == status && status != .ok }.first.map { "\($0.topic)/\($0.partition): \($0.reason ?? "")" }
            if let error = group.error {
                status = .error
                reason = error
            }
            groups.append(LagReport.Group(
                group: group.groupId, state: group.state, members: group.members, status: status, reason: reason,
                totalLag: rows.reduce(0) { $0 + $1.lag }, partitions: rows))
        }
        // Forget partitions that are gone (a group deleted, a partition no longer read).
        for (group, partitions) in histories {
            let kept = partitions.filter { seen[group]?.contains($0.key) ?? false }
            histories[group] = kept.isEmpty ? nil : kept
        }
        return LagReport(at: reading.at, groups: groups)
    }

    static func ownerText(_ member: ConsumerGroupMember) -> String {
        let host = member.host.hasPrefix("/") ? String(member.host.dropFirst()) : member.host
        return "\(member.instanceId ?? member.consumerId)/\(host)"
    }
}

/// One judged reading: what `lag` prints (table or JSON) and what the exporter serves.
public struct LagReport: Sendable, Codable {
    public var at: Date
    public var groups: [Group]

    public struct Group: Sendable, Codable {
        public var group: String
        public var state: String
        public var members: Int
        public var status: LagStatus
        public var reason: String?
        public var totalLag: Int64
        public var partitions: [Row]
    }

    public struct Row: Sendable, Codable {
        public var topic: String
        public var partition: Int32
        public var committed: Int64?
        public var end: Int64
        public var lag: Int64
        public var owner: String?
        public var status: LagStatus
        public var reason: String?
        /// Whether the window had enough samples for the status to mean anything.
        public var complete: Bool
    }

    /// The worst status over all groups.
    public var worst: LagStatus { groups.map(\.status).max() ?? .ok }
}
