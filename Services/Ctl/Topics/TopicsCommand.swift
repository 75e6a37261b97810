import ArgumentParser
import Foundation
import MinshengKafka
import MinshengPlatform

/// `minsheng-ctl topics check|create`: the topic catalogue against the broker.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "The topics the deployment needs (partitions, settings) compared with the broker, or created.",
        subcommands: [Check.self, Create.self, List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the topic catalogue (no broker needed).")

        func run() async throws {
            for entry in TopicCatalog.entries {
                let settings = entry.spec.config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                print([entry.name, "\(entry.spec.partitions)", settings.isEmpty ? "-" : settings, entry.purpose].joined(separator: "\t"))
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the catalogue with the broker; exit 1 when a topic is missing, has too few partitions or other settings.")

        @OptionGroup var kafka: KafkaOptions

        func run() async throws {
            let check = try await TopicsCommand.check(try kafka.admin())
            print(check.render(), terminator: "")
            if !check.problems.isEmpty {
                note("\(check.problems.count) topic(s) differ from the catalogue; `minsheng-ctl topics create --alter` creates the missing ones and sets their settings")
                throw ExitCode(1)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the missing topics with the catalogue's partitions and settings; with --alter, also set the catalogue's settings on existing topics.",
            discussion: """
                Partition counts of existing topics are never changed: more partitions move keys to other \
                partitions, which breaks per-key order. Exit 1 when something still differs afterwards.
                """)

        @OptionGroup var kafka: KafkaOptions

        @Flag(help: "Replace the dynamic settings of existing topics whose settings differ with the catalogue's (Kafka AlterConfigs)")
        var alter = false

        @Option(help: "Seconds to keep retrying while the broker is not reachable yet (for a start-up job)")
        var wait: Int = 0

        func run() async throws {
            let admin = try kafka.admin()
            let deadline = Date().addingTimeInterval(TimeInterval(wait))
            var outcomes: [String: CreateTopicOutcome] = [:]
            while true {
                do {
                    outcomes = try await admin.createTopics(TopicCatalog.specs)
                    break
                } catch let error as KafkaError where error.isRetriable && Date() < deadline {
                    note("broker not ready (\(error)); retrying")
                    try await Task.sleep(for: .seconds(2))
                }
            }
            for (name, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
                switch outcome {
                case .created: print("created \(name)")
                case .alreadyExisted: break
                case .failed(let message): note("could not create \(name): \(message)")
                }
            }
            var check = try await TopicsCommand.check(admin)
            if alter {
                let changes = Dictionary(uniqueKeysWithValues: check.findings.filter { !$0.missing && !$0.settingDifferences.isEmpty }.compactMap { finding in
                    TopicCatalog.entry(named: finding.topic).map { (finding.topic, $0.spec.config) }
                })
                if !changes.isEmpty {
                    try await admin.replaceTopicConfigs(changes)
                    for topic in changes.keys.sorted() { print("set the settings of \(topic)") }
                    check = try await TopicsCommand.check(admin)
                }
            }
            print(check.render(), terminator: "")
            if !check.problems.isEmpty { throw ExitCode(1) }
        }
    }

    static func check(_ admin: KafkaAdmin) async throws -> TopicCheck {
        let counts = try await admin.topicPartitionCounts()
        let existing = TopicCatalog.specs.map(\.name).filter { counts[$0] != nil }
        let configs = try await admin.topicConfigs(existing)
        return TopicCheck(catalogue: TopicCatalog.specs, partitionCounts: counts, configs: configs)
    }
}
