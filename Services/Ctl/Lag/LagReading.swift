import Foundation
import MinshengKafka

/// What the broker said about every Minsheng consumer group at one moment.
public struct LagReading: Sendable {
    public var at: Date
    public var groups: [Group]

    public struct Group: Sendable {
        public var groupId: String
        /// The broker's group state (`Stable`, `Empty`, `Dead`…).
        public var state: String
        public var members: Int
        public var partitions: [Partition]
        /// Why the group could not be read, when it could not.
        public var error: String?
    }

    public struct Partition: Sendable {
        public var topicPartition: TopicPartition
        /// Nil when the group has committed nothing on it.
        public var committed: Int64?
        /// The partition's first offset (older messages were deleted by retention).
        public var start: Int64
        /// The offset the next message will get.
        public var end: Int64
        /// The member holding it: `consumerId/host/clientId`, or nil.
        public var owner: ConsumerGroupMember?

        /// End minus committed (or minus the first offset when nothing is committed), never negative.
        public var lag: Int64 { max(0, end - (committed ?? start)) }
    }
}

/// Reads a `LagReading` from the broker: the groups (every `minsheng-` group it lists, plus each
/// service's group even before it exists), their members and committed offsets, and the end offsets of
/// every partition they read (the partitions they committed on, those assigned to a member, and all
/// partitions of the catalogue topics the service reads).
public struct LagReader: Sendable {
    public var admin: KafkaAdmin
    /// Groups to read; empty: every Minsheng group.
    public var groupIds: [String]
    /// The topics each expected group reads even when it has committed nothing.
    public var expectedTopics: [String: [String]]
    public var groupPrefix = "minsheng-"

    public init(admin: KafkaAdmin, groupIds: [String], expectedTopics: [String: [String]]) {
        self.admin = admin
        self.groupIds = groupIds
        self.expectedTopics = expectedTopics
    }

    public func read() async throws -> LagReading {
        let at = Date()
        var ids = Set(groupIds)
        if ids.isEmpty {
            ids = Set(expectedTopics.keys)
            for listing in try await admin.consumerGroups() where listing.groupId.hasPrefix(groupPrefix) && listing.groupId != "minsheng-ctl-reader" {
                ids.insert(listing.groupId)
            }
        }
        let sortedIds = ids.sorted()
        let descriptions = try await admin.describeConsumerGroups(sortedIds)
        let partitionCounts = try await admin.topicPartitionCounts()

        var committedByGroup: [String: Result<[TopicPartition: Int64], any Error>] = [:]
        var wanted = Set<TopicPartition>()
        for id in sortedIds {
            let result: Result<[TopicPartition: Int64], any Error>
            do { result = .success(try await admin.committedOffsets(groupId: id)) } catch { result = .failure(error) }
            committedByGroup[id] = result
            for partition in partitions(of: id, committed: (try? result.get()) ?? [:], description: descriptions[id], counts: partitionCounts) {
                wanted.insert(partition)
            }
        }
        var bounds: [TopicPartition: (start: Int64, end: Int64)] = [:]
        let topics = Dictionary(grouping: wanted, by: \.topic)
        for (topic, parts) in topics {
            guard let count = partitionCounts[topic] else { continue }
            for mark in try await admin.watermarks(topic: topic, partitions: count) {
                let partition = TopicPartition(topic: topic, partition: mark.partition)
                if parts.contains(partition) { bounds[partition] = (mark.low, mark.high) }
            }
        }

        var groups: [LagReading.Group] = []
        for id in sortedIds {
            let description = descriptions[id]
            var group = LagReading.Group(
                groupId: id, state: description?.state ?? "Unknown", members: description?.members.count ?? 0,
                partitions: [], error: description?.error)
            switch committedByGroup[id] {
            case .failure(let error): group.error = "\(error)"
            case .success(let committed):
                for partition in partitions(of: id, committed: committed, description: description, counts: partitionCounts).sorted() {
                    guard let bound = bounds[partition] else {
                        group.error = "topic \(partition.topic) is missing on the broker"
                        continue
                    }
                    group.partitions.append(LagReading.Partition(
                        topicPartition: partition, committed: committed[partition], start: bound.start, end: bound.end,
                        owner: description?.owner(of: partition)))
                }
            case nil: break
            }
            if group.partitions.isEmpty && group.error == nil && description.map({ $0.state == "Dead" || $0.state == "Unknown" }) ?? true {
                group.error = "the broker has no group \(id): its service has never run"
            }
            groups.append(group)
        }
        return LagReading(at: at, groups: groups)
    }

    private func partitions(
        of groupId: String, committed: [TopicPartition: Int64], description: ConsumerGroupDescription?,
        counts: [String: Int32]
    ) -> Set<TopicPartition> {
        var result = Set(committed.keys)
        for member in description?.members ?? [] { result.formUnion(member.assignment) }
        for topic in expectedTopics[groupId] ?? [] {
            // A missing topic still shows up (as an error) through its partition 0.
            for partition in 0..<(counts[topic] ?? 1) { result.insert(TopicPartition(topic: topic, partition: partition)) }
        }
        return result
    }
}
