import CRdKafka
import Foundation

/// Reads what a topic holds now, from each partition's first offset to the end offset seen when the
/// read starts, without joining or committing for any consumer group (partitions are assigned, not
/// subscribed). For operators' tools (dead-letter listings); a whole read runs on a queue of its own.
public enum KafkaTopicReader {
    /// Every message of `topic` up to its current end, in partition then offset order.
    public static func readAll(
        topic: String, configuration: KafkaConfiguration, timeout: Duration = .seconds(30)
    ) async throws -> [KafkaMessage] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[KafkaMessage], any Error>) in
            DispatchQueue(label: "minsheng.kafka.reader").async {
                continuation.resume(with: Result {
                    try read(topic: topic, configuration: configuration,
                             timeoutMilliseconds: Int(timeout.components.seconds * 1000))
                })
            }
        }
    }

    private static func read(topic: String, configuration: KafkaConfiguration, timeoutMilliseconds: Int) throws -> [KafkaMessage] {
        var configuration = configuration
        configuration["group.id"] = "minsheng-ctl-reader"  // never joined, never committed
        configuration["enable.auto.commit"] = "false"
        configuration["enable.auto.offset.store"] = "false"
        configuration["enable.partition.eof"] = "false"
        configuration.allowLargeFetchResponses()
        let conf = try configuration.makeConf(for: RD_KAFKA_CONSUMER)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration("cannot create Kafka reader: \(KafkaAdmin.text(errstr))")
        }
        defer { rd_kafka_destroy(rk) }
        rd_kafka_poll_set_consumer(rk)

        var metadata: UnsafePointer<rd_kafka_metadata>?
        let topicHandle = rd_kafka_topic_new(rk, topic, nil)
        defer { rd_kafka_topic_destroy(topicHandle) }
        let err = rd_kafka_metadata(rk, 0, topicHandle, &metadata, Int32(timeoutMilliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(err, context: "metadata of \(topic)") }
        let topicMetadata = metadata.pointee.topics[0]
        let partitionCount = topicMetadata.partition_cnt
        let topicErr = topicMetadata.err
        rd_kafka_metadata_destroy(metadata)
        guard topicErr == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(topicErr, context: "topic \(topic)") }

        // Where each partition ends now; read up to there.
        var remaining: [Int32: (next: Int64, end: Int64)] = [:]
        let list = rd_kafka_topic_partition_list_new(partitionCount)!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in 0..<partitionCount {
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(rk, topic, partition, &low, &high, Int32(timeoutMilliseconds))
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "offsets of \(topic)/\(partition)") }
            if high > low {
                remaining[partition] = (low, high)
                rd_kafka_topic_partition_list_add(list, topic, partition)!.pointee.offset = low
            }
        }
        guard !remaining.isEmpty else { return [] }
        let assignErr = rd_kafka_assign(rk, list)
        guard assignErr == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(assignErr, context: "assign \(topic)") }
        defer { rd_kafka_assign(rk, nil) }

        var messages: [KafkaMessage] = []
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while !remaining.isEmpty {
            guard Date() < deadline else {
                throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
                                 message: "reading \(topic): partitions \(remaining.keys.sorted()) did not reach their end in time",
                                 isRetriable: true)
            }
            guard let raw = rd_kafka_consumer_poll(rk, 200) else { continue }
            defer { rd_kafka_message_destroy(raw) }
            let err = raw.pointee.err
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let error = KafkaError(err, context: "read \(topic)")
                if error.isFatal || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED {
                    throw error
                }
                continue
            }
            let message = KafkaMessage(copying: raw)
            guard let range = remaining[message.partition], message.offset < range.end else { continue }
            messages.append(message)
            if message.offset + 1 >= range.end {
                remaining[message.partition] = nil
            } else {
                remaining[message.partition] = (message.offset + 1, range.end)
            }
        }
        return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}
