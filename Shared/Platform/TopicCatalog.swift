import MinshengKafka
import MinshengModel

/// Every topic the deployment needs, with its partition count and settings: the one list that the
/// services' start-up topic creation, `minsheng-ctl topics check|create` and docker-compose's topic
/// job (which runs `minsheng-ctl topics create`) all use. Documented in `docs/operations.md`.
public enum TopicCatalog {
    /// Partitions of the data topics: room for six instances of a service.
    public static let dataPartitions: Int32 = 6
    /// Dead letters are few and read by people: one partition keeps them in the order they failed.
    public static let deadLetterPartitions: Int32 = 1
    /// Kafka's default retention (`log.retention.hours=168`): seven days.
    public static let brokerDefaultRetentionMilliseconds: Int64 = 7 * 24 * 3_600_000
    /// Dead letters wait for a fix and a replay (`minsheng-ctl dlq replay`): 30 days, not the default 7,
    /// so a long holiday does not expire them before anyone looks.
    public static let deadLetterRetentionMilliseconds: Int64 = 30 * 24 * 3_600_000
    /// How long classification's window changelog keeps a record that was not replaced: far longer than
    /// any repeat or hotspot window (hours), so whatever can still be compared with is restorable.
    public static let windowChangelogRetentionMilliseconds: Int64 = 30 * 24 * 3_600_000

    /// Topics that must have the same number of partitions (docs/scaling.md): a state's input topics,
    /// read together with `range` so partition p of each goes to one instance, and its changelog, whose
    /// partition p holds the state of input partition p. Adding partitions to one and not the others
    /// would split a key from its state.
    public static let coPartitioned: [[String]] = [
        [Topics.intakeRequests, Topics.intakeEventsChangelog],
        [Topics.classificationByTown, Topics.classificationWindowChangelog],
        [Topics.eventsClassified, Topics.dispatchCommands, Topics.dispatchWorkOrdersChangelog],
        [Topics.workOrderUpdates, Topics.hotspotAlerts, Topics.notificationChangelog],
    ]

    /// One topic of the deployment.
    public struct Entry: Sendable, Equatable {
        public var spec: TopicSpec
        /// What flows on it.
        public var purpose: String
        /// The services whose consumer groups read it.
        public var readers: [ServiceName]

        public var name: String { spec.name }
    }

    public static let entries: [Entry] = {
        func data(_ name: String, _ purpose: String, readers: [ServiceName]) -> Entry {
            Entry(spec: TopicSpec(name: name, partitions: dataPartitions), purpose: purpose, readers: readers)
        }
        let inbound = Source.allCases.compactMap { source in
            source.inboundTopic.map { data($0, "events from \(source.rawValue), as the sending system publishes them", readers: [.intake]) }
        }
        let deadLetters = ServiceName.allCases.map { service in
            Entry(
                spec: TopicSpec(
                    name: Topics.deadLetter(service: service.rawValue), partitions: deadLetterPartitions,
                    config: ["retention.ms": "\(deadLetterRetentionMilliseconds)"]),
                purpose: "messages \(service.rawValue) could not process, with the reason (read by minsheng-ctl dlq)",
                readers: [])
        }
        return inbound + [
            data(Topics.eventsAccepted, "validated, de-duplicated events (intake → classification)", readers: [.classification, .console]),
            data(Topics.eventsRejected, "what intake refused, with the original and a reason", readers: [.console]),
            data(Topics.eventsClassified, "classified events (classification → dispatch)", readers: [.dispatch, .console]),
            data(Topics.police110Returns, "110 calls judged police matters, back to the 110 system", readers: [.console]),
            data(Topics.workOrderUpdates, "every work-order change (dispatch → notification, console)", readers: [.notification, .console]),
            data(Topics.notificationDeliveries, "delivery results of notifications", readers: [.console]),
            data(Topics.hotspotAlerts, "clusters of similar reports in one area (classification → notification, console)", readers: [.notification, .console]),
            data(Topics.intakeRequests, "valid events on their way to the intake instance that owns their (source, id)", readers: [.intake]),
            data(Topics.intakeReplies, "intake owners' decisions for the HTTP window waiting for them (read by every intake instance)", readers: []),
            Entry(spec: TopicSpec(name: Topics.intakeEventsChangelog, partitions: dataPartitions, config: ["cleanup.policy": "compact"]),
                  purpose: "changelog of intake's (source, id) memory, partitioned like intake.requests", readers: []),
            // Read by notification's restore (outside its group), never by a consumer group.
            Entry(spec: TopicSpec(name: Topics.notificationChangelog, partitions: dataPartitions, config: ["cleanup.policy": "compact"]),
                  purpose: "notification's partitioned state: every change of a notification or of a work order's latest change (restored on assignment)",
                  readers: []),
            data(Topics.dispatchCommands, "API writes on their way to the dispatch instance that owns the order (co-partitioned with events.classified)", readers: [.dispatch]),
            data(Topics.dispatchReplies, "dispatch owners' replies for the instance whose HTTP caller waits (read by every dispatch instance)", readers: []),
            Entry(spec: TopicSpec(name: Topics.dispatchWorkOrdersChangelog, partitions: dataPartitions, config: ["cleanup.policy": "compact"]),
                  purpose: "changelog of dispatch's work orders (full records), partitioned like events.classified", readers: []),
            data(Topics.classificationByTown, "classified, placed reports on their way to the classification instance that owns their town",
                 readers: [.classification]),
            Entry(spec: TopicSpec(name: Topics.classificationWindowChangelog, partitions: dataPartitions,
                                  config: ["cleanup.policy": "compact,delete", "retention.ms": "\(windowChangelogRetentionMilliseconds)"]),
                  purpose: "changelog of classification's repeat-and-hotspot windows, partitioned like classification.bytown", readers: []),
        ] + deadLetters
    }()

    public static var specs: [TopicSpec] { entries.map(\.spec) }

    /// Topics whose every record is the whole latest state of its key, so that only the last of a key
    /// matters: the compacted changelogs, and hotspot alerts (each revision lists the whole hotspot; readers
    /// keep the highest). The outbox sends only the last of a key among the rows it reads together.
    public static let wholeStateTopics: Set<String> = Set(entries.filter {
        $0.spec.config["cleanup.policy"]?.split(separator: ",").contains("compact") == true
    }.map(\.name)).union([Topics.hotspotAlerts])

    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The specs of `names`, for a service's start-up topic creation; `partitions` overrides the
    /// catalogue's counts when set (`KAFKA_TOPIC_PARTITIONS`). A name outside the catalogue is an error
    /// in the code, reported by name.
    public static func specs(for names: [String], partitions: Int32? = nil) throws(ConfigurationError) -> [TopicSpec] {
        try names.map { name throws(ConfigurationError) in
            guard var spec = entry(named: name)?.spec else {
                throw ConfigurationError("topic \(name) is not in the topic catalogue (Shared/Platform/TopicCatalog.swift)")
            }
            if let partitions { spec.partitions = partitions }
            return spec
        }
    }

    /// The topics `service`'s consumer group reads.
    public static func topicsRead(by service: ServiceName) -> [String] {
        entries.filter { $0.readers.contains(service) }.map(\.name)
    }
}
