import Foundation
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengClassification
@testable import MinshengCtl
@testable import MinshengDispatch
@testable import MinshengIntake
@testable import MinshengNotification

/// One topic catalogue for the services' start-up creation, `minsheng-ctl topics`, and docker-compose.
@Suite("Topic catalogue")
struct TopicCatalogTests {
    @Test func catalogueHoldsEveryTopicTheSystemUsesOnce() {
        let names = TopicCatalog.entries.map(\.name)
        #expect(Set(names).count == names.count, "a topic is listed twice")
        #expect(Set(names) == Set(Topics.all))
    }

    /// What each service creates at start-up comes from the catalogue, with the catalogue's settings.
    @Test func everyServiceCreatesItsTopicsFromTheCatalogue() throws {
        let lists: [(ServiceName, [String])] = [
            (.intake, IntakeService.topics), (.classification, ClassificationService.topics),
            (.dispatch, DispatchService.topics), (.notification, NotificationService.topics),
        ]
        for (service, topics) in lists {
            let specs = try TopicCatalog.specs(for: topics)
            #expect(specs.map(\.name) == topics, "\(service)")
            for spec in specs { #expect(spec == TopicCatalog.entry(named: spec.name)?.spec) }
        }
        #expect(throws: ConfigurationError.self) { try TopicCatalog.specs(for: ["not.a.topic"]) }
        #expect(try TopicCatalog.specs(for: [Topics.eventsAccepted], partitions: 2).first?.partitions == 2)
    }

    @Test func deadLettersOutliveTheBrokerDefaultRetention() throws {
        for service in ServiceName.allCases {
            let entry = try #require(TopicCatalog.entry(named: Topics.deadLetter(service: service.rawValue)))
            let retention = try #require(entry.spec.config["retention.ms"].flatMap { Int64($0) })
            #expect(retention > TopicCatalog.brokerDefaultRetentionMilliseconds)
            #expect(entry.readers.isEmpty)
        }
    }

    @Test func eachServiceGroupReadsWhatItsConsumerSubscribes() {
        #expect(TopicCatalog.topicsRead(by: .intake) == Topics.inbound + [Topics.intakeRequests])
        #expect(TopicCatalog.topicsRead(by: .classification) == [Topics.eventsAccepted, Topics.classificationByTown])
        #expect(TopicCatalog.topicsRead(by: .dispatch) == [Topics.eventsClassified, Topics.dispatchCommands])
        // Dispatch joins them by the matter: co-partitioned, and its changelog partitioned alike.
        let counts = [Topics.eventsClassified, Topics.dispatchCommands, Topics.dispatchWorkOrdersChangelog]
            .map { TopicCatalog.entry(named: $0)?.spec.partitions }
        #expect(Set(counts).count == 1 && counts[0] != nil)
        #expect(TopicCatalog.entry(named: Topics.dispatchWorkOrdersChangelog)?.spec.config["cleanup.policy"] == "compact")
        #expect(Set(TopicCatalog.topicsRead(by: .notification)) == [Topics.workOrderUpdates, Topics.hotspotAlerts])
    }

    /// docker-compose's topic job is `minsheng-ctl topics create`, i.e. the catalogue itself, and the
    /// services leave topic creation to it.
    @Test func composeTopicJobRunsTheCatalogue() throws {
        let text = try String(contentsOfFile: TestSupport.root + "/docker-compose.yml", encoding: .utf8)
        let job = try #require(text.components(separatedBy: "\n  kafka-topics:\n").dropFirst().first?
            .components(separatedBy: "\n\n").first)
        #expect(job.contains(#"command: ["minsheng-ctl", "topics", "create", "--alter""#))
        #expect(job.contains("image: minsheng:latest"))
        #expect(!job.contains("kafka-topics.sh"), "a second list of topics in the compose file")
        for service in ServiceName.allCases {
            let block = try #require(text.components(separatedBy: "\n  \(service.rawValue):\n").dropFirst().first)
            #expect(block.components(separatedBy: "\n\n")[0].contains(#"KAFKA_CREATE_TOPICS: "false""#))
            #expect(block.components(separatedBy: "\n\n")[0].contains("http://localhost:\(service.defaultHTTPPort)/readyz"))
        }
    }

    /// The SASL variant creates topics with Kafka's tools (it authenticates as the admin with PLAIN):
    /// the same topics, partitions and settings as the catalogue.
    @Test func saslSetupCreatesTheCatalogue() throws {
        let text = try String(contentsOfFile: TestSupport.root + "/deploy/compose/docker-compose.sasl.yml", encoding: .utf8)
            .replacingOccurrences(of: "\\\n", with: " ")
        var created: [String: TopicSpec] = [:]
        // Each `for topic in A B C; do ... --create ... --partitions N ... [--config k=v] ... done` loop.
        for loop in text.components(separatedBy: "for topic in ").dropFirst() {
            guard let body = loop.components(separatedBy: "done").first, body.contains("--create") else { continue }
            let names = body.prefix { $0 != ";" }.split(separator: " ").map(String.init)
            let words = body.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            let partitions = try #require(words.firstIndex(of: "--partitions").flatMap { Int32(words[$0 + 1]) })
            var config: [String: String] = [:]
            for (index, word) in words.enumerated() where word == "--config" {
                let pair = words[index + 1].split(separator: "=", maxSplits: 1).map(String.init)
                config[pair[0]] = pair[1]
            }
            for name in names { created[name] = TopicSpec(name: name, partitions: partitions, config: config) }
        }
        #expect(Set(created.keys) == Set(TopicCatalog.entries.map(\.name)))
        for entry in TopicCatalog.entries { #expect(created[entry.name] == entry.spec, "\(entry.name)") }
    }

    @Test func coPartitionedTopicsAreInTheCatalogueWithOneCount() {
        let counts = Dictionary(uniqueKeysWithValues: TopicCatalog.entries.map { ($0.name, $0.spec.partitions) })
        for group in TopicCatalog.coPartitioned {
            #expect(group.allSatisfy { counts[$0] != nil }, "\(group)")
            #expect(Set(group.compactMap { counts[$0] }).count == 1, "\(group)")
        }
        let check = TopicCheck(catalogue: TopicCatalog.entries.map(\.spec), partitionCounts: counts, configs: [:])
        #expect(check.findings.allSatisfy { $0.coPartitionDifferences.isEmpty })
    }

    @Test func checkFindsMissingTopicsFewPartitionsAndWrongSettings() {
        let catalogue = [
            TopicSpec(name: "a", partitions: 6), TopicSpec(name: "b", partitions: 6),
            TopicSpec(name: "c.dlq", partitions: 1, config: ["retention.ms": "2592000000"]),
            TopicSpec(name: "d", partitions: 6),
        ]
        let check = TopicCheck(
            catalogue: catalogue, partitionCounts: ["a": 6, "b": 3, "c.dlq": 1, "d": 8, "other": 1],
            configs: ["c.dlq": ["retention.ms": TopicConfigEntry(value: "604800000", isDefault: true, source: "DEFAULT_CONFIG")]])
        #expect(check.problems.map(\.topic) == ["b", "c.dlq"])
        #expect(check.findings[1].summary == "only 3 partitions")
        #expect(check.findings[2].summary == "retention.ms=604800000 (want 2592000000)")
        #expect(check.findings[3].summary.hasPrefix("ok; note: 8 partitions"))
        // Co-partitioned topics with different counts: both are problems, whatever the catalogue wants.
        let split = TopicCheck(catalogue: catalogue, partitionCounts: ["a": 6, "b": 6, "c.dlq": 1, "d": 8, "other": 1],
                               configs: ["c.dlq": ["retention.ms": TopicConfigEntry(value: "2592000000", isDefault: false, source: "DYNAMIC_TOPIC_CONFIG")]],
                               coPartitioned: [["a", "d"], ["b", "missing"]])
        #expect(split.problems.map(\.topic) == ["a", "d"])
        #expect(split.findings[0].summary == "must have as many partitions as d (8)")
        #expect(split.findings[3].summary == "note: 8 partitions, more than the 6 needed; must have as many partitions as a (6)")
        #expect(split.findings[1].summary == "ok", "a partner that does not exist is reported as missing, not as a mismatch")
        let missing = TopicCheck(catalogue: catalogue, partitionCounts: [:], configs: [:])
        #expect(missing.problems.count == 4)
        #expect(missing.findings.allSatisfy { $0.summary == "MISSING" && $0.settingDifferences.isEmpty })
    }
}
