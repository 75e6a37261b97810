import CRdKafka
import Foundation
import MinshengKafka
import MinshengPlatform

/// Reads every Minsheng consumer group's committed offsets and the partitions' end offsets from the
/// broker, as a lag exporter does: one consumer handle per group (`group.id` set, never subscribed, so
/// it never joins the group), `rd_kafka_committed` (OffsetFetch) for the group's topics, and
/// `rd_kafka_query_watermark_offsets` (ListOffsets) for the end. Every call blocks, so it all runs on
/// the probe's own serial queue, never on Swift's cooperative pool.
final class GroupLagProbe: @unchecked Sendable {
    /// One group and the topics it reads.
    struct Group: Sendable, Equatable {
        var id: String
        var topics: [String]
    }

    /// One partition's position at one moment. `committed` is nil when the group committed nothing there.
    struct Sample: Sendable, Equatable {
        var group: String
        var topic: String
        var partition: Int32
        var committed: Int64?
        var end: Int64
        var lag: Int64 { max(0, end - (committed ?? 0)) }
    }

    let groups: [Group]
    private let properties: [String: String]
    private let queue = DispatchQueue(label: "minsheng.console.lag-probe")
    // Used only on `queue`.
    private var handles: [String: OpaquePointer] = [:]
    private var closed = false

    /// `properties`: librdkafka settings of the connection (bootstrap servers, security).
    init(groups: [Group], properties: [String: String]) {
        self.groups = groups
        self.properties = properties
    }

    /// Every service's group with the topics it reads, from the topic catalogue (`TopicCatalog`).
    static var minshengGroups: [Group] {
        ServiceName.allCases.map { Group(id: $0.consumerGroup, topics: TopicCatalog.topicsRead(by: $0)) }
    }

    /// Every partition of every group's topics, now; a group the broker could not answer for is left out.
    func sample() async -> [Sample] {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.sampleOnQueue()) }
        }
    }

    /// Destroys the handles.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.closed = true
                for handle in self.handles.values { rd_kafka_destroy(handle) }
                self.handles = [:]
                continuation.resume()
            }
        }
    }

    private func sampleOnQueue() -> [Sample] {
        guard !closed else { return [] }
        var samples: [Sample] = []
        var ends: [String: Int64] = [:]
        for group in groups {
            guard let handle = handle(for: group.id) else { continue }
            let partitions = partitionCounts(handle, topics: group.topics)
            guard !partitions.isEmpty else { continue }
            let list = rd_kafka_topic_partition_list_new(Int32(partitions.values.reduce(0, +)))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (topic, count) in partitions.sorted(by: { $0.key < $1.key }) {
                for partition in 0..<count { rd_kafka_topic_partition_list_add(list, topic, partition) }
            }
            guard rd_kafka_committed(handle, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            for index in 0..<Int(list.pointee.cnt) {
                let element = list.pointee.elems[index]
                let topic = String(cString: element.topic)
                let key = "\(topic)/\(element.partition)"
                if ends[key] == nil {
                    var low: Int64 = 0
                    var high: Int64 = 0
                    guard rd_kafka_query_watermark_offsets(handle, element.topic, element.partition, &low, &high, 5000)
                        == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                    ends[key] = high
                }
                samples.append(Sample(group: group.id, topic: topic, partition: element.partition,
                                      committed: element.offset >= 0 ? element.offset : nil, end: ends[key]!))
            }
        }
        return samples
    }

    /// The partition count of each topic that exists.
    private func partitionCounts(_ handle: OpaquePointer, topics: [String]) -> [String: Int32] {
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        guard rd_kafka_metadata(handle, 1, nil, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { return [:] }
        defer { rd_kafka_metadata_destroy(metadata) }
        var counts: [String: Int32] = [:]
        let wanted = Set(topics)
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            let name = String(cString: topic.topic)
            if wanted.contains(name), topic.err == RD_KAFKA_RESP_ERR_NO_ERROR { counts[name] = topic.partition_cnt }
        }
        return counts
    }

    private func handle(for group: String) -> OpaquePointer? {
        if let handle = handles[group] { return handle }
        guard let conf = rd_kafka_conf_new() else { return nil }
        var errstr = [CChar](repeating: 0, count: 512)
        var settings = properties
        settings["group.id"] = group
        settings["enable.auto.commit"] = "false"
        settings["client.id"] = "minsheng-console-lag"
        for (key, value) in settings.sorted(by: { $0.key < $1.key })
        where rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            return nil
        }
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            return nil
        }
        handles[group] = handle
        return handle
    }

    deinit {
        for handle in handles.values { rd_kafka_destroy(handle) }
    }
}
