import CRdKafka
import Foundation

/// The broker's view of topics and consumer groups, through librdkafka's admin API (verified against
/// the local broker noida-db and written for real Kafka): create topics with their settings, read
/// partition counts, topic settings, consumer groups, their members and committed offsets, and
/// partitions' end offsets. Every blocking call runs on this client's own serial queue, never on the
/// cooperative pool.
public final class KafkaAdmin: Sendable {
    private let client: ClientHandle
    private var handle: OpaquePointer { client.pointer }
    private let queue = DispatchQueue(label: "minsheng.kafka.admin")
    private let timeoutMilliseconds: Int32

    public init(configuration: KafkaConfiguration, timeout: Duration = .seconds(15)) throws {
        let conf = try configuration.makeConf(for: RD_KAFKA_PRODUCER)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration("cannot create Kafka admin client: \(Self.text(errstr))")
        }
        client = ClientHandle(pointer: rk)
        timeoutMilliseconds = Int32(timeout.components.seconds * 1000)
    }

    deinit { rd_kafka_destroy(client.pointer) }

    // MARK: Topics

    /// Creates the topics that do not exist yet, with their settings; one that exists is left as it is.
    public func createTopics(_ specs: [TopicSpec]) async throws -> [String: CreateTopicOutcome] {
        guard !specs.isEmpty else { return [:] }
        return try await request(RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topics") { rk, options, queue in
            var errstr = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for spec in specs {
                guard let topic = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errstr, errstr.count) else {
                    throw KafkaError.configuration("topic \(spec.name): \(Self.text(errstr))")
                }
                newTopics.append(topic)
                for (key, value) in spec.config.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(topic, key, value)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: "topic \(spec.name) \(key)=\(value)") }
                }
            }
            newTopics.withUnsafeMutableBufferPointer { rd_kafka_CreateTopics(rk, $0.baseAddress, $0.count, options, queue) }
        } result: { event in
            var outcomes: [String: CreateTopicOutcome] = [:]
            var count = 0
            guard let result = rd_kafka_event_CreateTopics_result(event),
                  let topics = rd_kafka_CreateTopics_result_topics(result, &count) else { return outcomes }
            for index in 0..<count {
                let name = String(cString: rd_kafka_topic_result_name(topics[index]))
                let err = rd_kafka_topic_result_error(topics[index])
                switch err {
                case RD_KAFKA_RESP_ERR_NO_ERROR: outcomes[name] = .created
                case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: outcomes[name] = .alreadyExisted
                default:
                    let detail = rd_kafka_topic_result_error_string(topics[index]).map { String(cString: $0) }
                    outcomes[name] = .failed(KafkaError(err, context: "create topic \(name)").message + (detail.map { " (\($0))" } ?? ""))
                }
            }
            return outcomes
        }
    }

    /// Creates the missing topics among `specs`; throws on the first that could not be created.
    /// (What a service runs at start-up.)
    public static func ensureTopics(
        _ specs: [TopicSpec], configuration: KafkaConfiguration, timeout: Duration = .seconds(15)
    ) async throws {
        guard !specs.isEmpty else { return }
        let admin = try KafkaAdmin(configuration: configuration, timeout: timeout)
        for (name, outcome) in try await admin.createTopics(specs).sorted(by: { $0.key < $1.key }) {
            if case .failed(let message) = outcome {
                throw KafkaError(code: RD_KAFKA_RESP_ERR_UNKNOWN.rawValue, message: "topic \(name): \(message)")
            }
        }
    }

    /// Creates the missing topics among `names`, each with `partitions` and the broker's default settings.
    public static func ensureTopics(
        _ names: [String], partitions: Int32, replicationFactor: Int32 = -1,
        configuration: KafkaConfiguration, timeout: Duration = .seconds(15)
    ) async throws {
        try await ensureTopics(
            names.map { TopicSpec(name: $0, partitions: partitions, replicationFactor: replicationFactor) },
            configuration: configuration, timeout: timeout)
    }

    /// Every topic on the broker (internal ones excluded) with its partition count.
    public func topicPartitionCounts() async throws -> [String: Int32] {
        let timeout = timeoutMilliseconds
        return try await onQueue { rk in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(rk, 1, nil, &metadata, timeout)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(err, context: "metadata") }
            defer { rd_kafka_metadata_destroy(metadata) }
            var result: [String: Int32] = [:]
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let topic = metadata.pointee.topics[index]
                let name = String(cString: topic.topic)
                guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR, !name.hasPrefix("__") else { continue }
                result[name] = topic.partition_cnt
            }
            return result
        }
    }

    /// The settings of each topic as the broker reports them (defaults included, with their source).
    public func topicConfigs(_ names: [String]) async throws -> [String: [String: TopicConfigEntry]] {
        guard !names.isEmpty else { return [:] }
        return try await request(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "describe topic settings") { rk, options, queue in
            var resources = names.map { rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, $0) }
            defer { for resource in resources { rd_kafka_ConfigResource_destroy(resource) } }
            resources.withUnsafeMutableBufferPointer { rd_kafka_DescribeConfigs(rk, $0.baseAddress, $0.count, options, queue) }
        } result: { event in
            var result: [String: [String: TopicConfigEntry]] = [:]
            var count = 0
            guard let described = rd_kafka_event_DescribeConfigs_result(event),
                  let resources = rd_kafka_DescribeConfigs_result_resources(described, &count) else { return result }
            for index in 0..<count {
                let resource = resources[index]
                let name = String(cString: rd_kafka_ConfigResource_name(resource))
                let err = rd_kafka_ConfigResource_error(resource)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                var entryCount = 0
                guard let entries = rd_kafka_ConfigResource_configs(resource, &entryCount) else { continue }
                var settings: [String: TopicConfigEntry] = [:]
                for entryIndex in 0..<entryCount {
                    let entry = entries[entryIndex]
                    settings[String(cString: rd_kafka_ConfigEntry_name(entry))] = TopicConfigEntry(
                        value: rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) },
                        isDefault: rd_kafka_ConfigEntry_is_default(entry) != 0,
                        source: String(cString: rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entry))))
                }
                result[name] = settings
            }
            return result
        }
    }

    /// Sets each topic's dynamic settings to exactly `settings[topic]` (Kafka's AlterConfigs: a dynamic
    /// setting not listed returns to the broker's default).
    public func replaceTopicConfigs(_ settings: [String: [String: String]]) async throws {
        guard !settings.isEmpty else { return }
        let failures: [String] = try await request(RD_KAFKA_ADMIN_OP_ALTERCONFIGS, "alter topic settings") { rk, options, queue in
            var resources: [OpaquePointer?] = []
            defer { for resource in resources { rd_kafka_ConfigResource_destroy(resource) } }
            for (topic, values) in settings.sorted(by: { $0.key < $1.key }) {
                let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic)
                resources.append(resource)
                for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_ConfigResource_set_config(resource, key, value)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: "topic \(topic) \(key)=\(value)") }
                }
            }
            resources.withUnsafeMutableBufferPointer { rd_kafka_AlterConfigs(rk, $0.baseAddress, $0.count, options, queue) }
        } result: { event in
            var failures: [String] = []
            var count = 0
            guard let altered = rd_kafka_event_AlterConfigs_result(event),
                  let resources = rd_kafka_AlterConfigs_result_resources(altered, &count) else { return failures }
            for index in 0..<count {
                let err = rd_kafka_ConfigResource_error(resources[index])
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let name = String(cString: rd_kafka_ConfigResource_name(resources[index]))
                    let detail = rd_kafka_ConfigResource_error_string(resources[index]).map { String(cString: $0) } ?? ""
                    failures.append("\(KafkaError(err, context: "topic \(name)").message) \(detail)")
                }
            }
            return failures
        }
        if !failures.isEmpty {
            throw KafkaError(code: RD_KAFKA_RESP_ERR_UNKNOWN.rawValue, message: failures.joined(separator: "; "))
        }
    }

    /// The end offset (high watermark: the offset the next message will get) of each partition.
    public func endOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let timeout = timeoutMilliseconds
        return try await onQueue { rk in
            var result: [TopicPartition: Int64] = [:]
            for partition in partitions {
                var low: Int64 = 0
                var high: Int64 = 0
                let err = rd_kafka_query_watermark_offsets(rk, partition.topic, partition.partition, &low, &high, timeout)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "end offset of \(partition)") }
                result[partition] = high
            }
            return result
        }
    }

    /// The first and end offsets of each partition of `topic`.
    public func watermarks(topic: String, partitions: Int32) async throws -> [(partition: Int32, low: Int64, high: Int64)] {
        let timeout = timeoutMilliseconds
        return try await onQueue { rk in
            try (0..<partitions).map { partition in
                var low: Int64 = 0
                var high: Int64 = 0
                let err = rd_kafka_query_watermark_offsets(rk, topic, partition, &low, &high, timeout)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "offsets of \(topic)/\(partition)") }
                return (partition, low, high)
            }
        }
    }

    // MARK: Consumer groups

    /// Every consumer group the broker knows, with its state (`Stable`, `Empty`, `PreparingRebalance`…).
    public func consumerGroups() async throws -> [ConsumerGroupListing] {
        try await request(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "list consumer groups") { rk, options, queue in
            rd_kafka_ListConsumerGroups(rk, options, queue)
        } result: { event in
            guard let listed = rd_kafka_event_ListConsumerGroups_result(event) else { return [] }
            var errorCount = 0
            if let errors = rd_kafka_ListConsumerGroups_result_errors(listed, &errorCount), errorCount > 0, let first = errors[0] {
                // A broker that did not answer: the list would be incomplete.
                throw KafkaError(code: rd_kafka_error_code(first).rawValue,
                                 message: "list consumer groups: \(String(cString: rd_kafka_error_string(first)))",
                                 isRetriable: rd_kafka_error_is_retriable(first) != 0)
            }
            var count = 0
            guard let groups = rd_kafka_ListConsumerGroups_result_valid(listed, &count) else { return [] }
            return (0..<count).map { index in
                ConsumerGroupListing(
                    groupId: String(cString: rd_kafka_ConsumerGroupListing_group_id(groups[index])),
                    state: String(cString: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[index]))))
            }.sorted { $0.groupId < $1.groupId }
        }
    }

    /// State, members and each member's assigned partitions, per group. A group the broker does not know
    /// comes back in state `Dead` with no members.
    public func describeConsumerGroups(_ groupIds: [String]) async throws -> [String: ConsumerGroupDescription] {
        guard !groupIds.isEmpty else { return [:] }
        return try await request(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, "describe consumer groups") { rk, options, queue in
            let names = groupIds.map { strdup($0) }
            defer { for name in names { free(name) } }
            var pointers = names.map { UnsafePointer<CChar>($0) }
            pointers.withUnsafeMutableBufferPointer { rd_kafka_DescribeConsumerGroups(rk, $0.baseAddress, $0.count, options, queue) }
        } result: { event in
            var result: [String: ConsumerGroupDescription] = [:]
            var count = 0
            guard let described = rd_kafka_event_DescribeConsumerGroups_result(event),
                  let groups = rd_kafka_DescribeConsumerGroups_result_groups(described, &count) else { return result }
            for index in 0..<count {
                let group = groups[index]
                let id = String(cString: rd_kafka_ConsumerGroupDescription_group_id(group))
                if let error = rd_kafka_ConsumerGroupDescription_error(group) {
                    result[id] = ConsumerGroupDescription(
                        groupId: id, state: "Unknown", members: [], error: String(cString: rd_kafka_error_string(error)))
                    continue
                }
                var members: [ConsumerGroupMember] = []
                for memberIndex in 0..<rd_kafka_ConsumerGroupDescription_member_count(group) {
                    let member = rd_kafka_ConsumerGroupDescription_member(group, memberIndex)
                    var assignment: [TopicPartition] = []
                    if let list = rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(member)) {
                        assignment = Self.partitions(of: list)
                    }
                    members.append(ConsumerGroupMember(
                        consumerId: String(cString: rd_kafka_MemberDescription_consumer_id(member)),
                        clientId: String(cString: rd_kafka_MemberDescription_client_id(member)),
                        host: String(cString: rd_kafka_MemberDescription_host(member)),
                        instanceId: rd_kafka_MemberDescription_group_instance_id(member).map { String(cString: $0) },
                        assignment: assignment.sorted()))
                }
                result[id] = ConsumerGroupDescription(
                    groupId: id,
                    state: String(cString: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(group))),
                    members: members, error: nil)
            }
            return result
        }
    }

    /// The offsets `groupId` has committed (the offset of the next message it will read), per partition;
    /// partitions it never committed are absent. Read with OffsetFetch: the group is not joined.
    public func committedOffsets(groupId: String) async throws -> [TopicPartition: Int64] {
        try await request(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, "committed offsets of \(groupId)") { rk, options, queue in
            var requests = [rd_kafka_ListConsumerGroupOffsets_new(groupId, nil)]
            defer { for request in requests { rd_kafka_ListConsumerGroupOffsets_destroy(request) } }
            requests.withUnsafeMutableBufferPointer { rd_kafka_ListConsumerGroupOffsets(rk, $0.baseAddress, $0.count, options, queue) }
        } result: { event in
            var result: [TopicPartition: Int64] = [:]
            var count = 0
            guard let listed = rd_kafka_event_ListConsumerGroupOffsets_result(event),
                  let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(listed, &count) else { return result }
            for index in 0..<count {
                if let error = rd_kafka_group_result_error(groups[index]) {
                    throw KafkaError(code: rd_kafka_error_code(error).rawValue,
                                     message: "committed offsets of \(groupId): \(String(cString: rd_kafka_error_string(error)))")
                }
                guard let list = rd_kafka_group_result_partitions(groups[index]) else { continue }
                for element in UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
                where element.err == RD_KAFKA_RESP_ERR_NO_ERROR && element.offset >= 0 {
                    result[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
                }
            }
            return result
        }
    }

    // MARK: Plumbing

    /// Sends one admin request with a queue of its own and waits for its result event.
    private func request<T: Sendable>(
        _ operation: rd_kafka_admin_op_t, _ what: String,
        send: @escaping @Sendable (OpaquePointer, OpaquePointer?, OpaquePointer?) throws -> Void,
        result: @escaping @Sendable (OpaquePointer) throws -> T
    ) async throws -> T {
        let timeout = timeoutMilliseconds
        return try await onQueue { rk in
            let queue = rd_kafka_queue_new(rk)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(rk, operation)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var errstr = [CChar](repeating: 0, count: 512)
            rd_kafka_AdminOptions_set_request_timeout(options, timeout, &errstr, errstr.count)
            try send(rk, options, queue)
            guard let event = rd_kafka_queue_poll(queue, timeout + 2000) else {
                throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, message: "\(what): no answer", isRetriable: true)
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let detail = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
                throw KafkaError(code: err.rawValue, message: "\(what): \(detail)",
                                 isRetriable: err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT)
            }
            return try result(event)
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        let client = client
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                continuation.resume(with: Result { try body(client.pointer) })
            }
        }
    }

    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt)).map {
            TopicPartition(topic: String(cString: $0.topic), partition: $0.partition)
        }
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// What `createTopics` did with one topic.
public enum CreateTopicOutcome: Sendable, Equatable {
    case created
    case alreadyExisted
    case failed(String)
}

/// One topic setting as the broker reports it.
public struct TopicConfigEntry: Sendable, Equatable {
    public var value: String?
    public var isDefault: Bool
    /// `DYNAMIC_TOPIC_CONFIG`, `STATIC_BROKER_CONFIG`, `DEFAULT_CONFIG`…
    public var source: String

    public init(value: String?, isDefault: Bool, source: String) {
        self.value = value
        self.isDefault = isDefault
        self.source = source
    }
}

public struct ConsumerGroupListing: Sendable, Equatable {
    public var groupId: String
    public var state: String
}

public struct ConsumerGroupDescription: Sendable, Equatable {
    public var groupId: String
    /// `Stable`, `Empty`, `Dead`, `PreparingRebalance`, `CompletingRebalance`, `Unknown`.
    public var state: String
    public var members: [ConsumerGroupMember]
    /// Why the broker could not describe the group.
    public var error: String?

    public init(groupId: String, state: String, members: [ConsumerGroupMember], error: String? = nil) {
        self.groupId = groupId
        self.state = state
        self.members = members
        self.error = error
    }

    /// The member that holds `partition`, if any.
    public func owner(of partition: TopicPartition) -> ConsumerGroupMember? {
        members.first { $0.assignment.contains(partition) }
    }
}

public struct ConsumerGroupMember: Sendable, Equatable {
    public var consumerId: String
    public var clientId: String
    public var host: String
    /// Static membership id (`group.instance.id`), when the member has one.
    public var instanceId: String?
    public var assignment: [TopicPartition]

    public init(consumerId: String, clientId: String, host: String, instanceId: String?, assignment: [TopicPartition]) {
        self.consumerId = consumerId
        self.clientId = clientId
        self.host = host
        self.instanceId = instanceId
        self.assignment = assignment
    }
}
