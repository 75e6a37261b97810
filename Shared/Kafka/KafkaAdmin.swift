import CRdKafka
import Foundation

/// Creates topics that do not exist yet (a topic that exists already is left as it is).
public enum KafkaAdmin {
    public static func ensureTopics(
        _ names: [String], partitions: Int32, replicationFactor: Int32 = -1,
        configuration: KafkaConfiguration, timeout: Duration = .seconds(15)
    ) async throws {
        guard !names.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try createTopics(names, partitions: partitions, replicationFactor: replicationFactor,
                                     configuration: configuration, timeoutMilliseconds: Int32(timeout.components.seconds * 1000))
                })
            }
        }
    }

    private static func createTopics(
        _ names: [String], partitions: Int32, replicationFactor: Int32, configuration: KafkaConfiguration,
        timeoutMilliseconds: Int32
    ) throws {
        let conf = try configuration.makeConf()
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration("cannot create Kafka admin client")
        }
        defer { rd_kafka_destroy(rk) }
        let queue = rd_kafka_queue_new(rk)
        defer { rd_kafka_queue_destroy(queue) }
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for name in names {
            guard let topic = rd_kafka_NewTopic_new(name, partitions, replicationFactor, &errstr, errstr.count) else {
                throw KafkaError.configuration("topic \(name): invalid definition")
            }
            newTopics.append(topic)
        }
        let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(rk, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 2000) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, message: "create topics: no answer", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: "create topics") }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let topics = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = topics[index]
            let topicErr = rd_kafka_topic_result_error(topicResult)
            if topicErr != RD_KAFKA_RESP_ERR_NO_ERROR && topicErr != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                throw KafkaError(topicErr, context: "create topic \(name)")
            }
        }
    }
}
