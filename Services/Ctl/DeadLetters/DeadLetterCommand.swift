import ArgumentParser
import Foundation
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// `minsheng-ctl dlq list|show|replay <service>`: what a service dead-lettered (`<service>.dlq`), why,
/// and putting it back on its original topic once the cause is fixed.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Dead letters of a service: list them, show one, replay them after a fix.",
        subcommands: [List.self, Show.self, Replay.self])

    struct Target: ParsableArguments {
        @Argument(help: "intake, classification, dispatch or notification")
        var service: String

        func validate() throws {
            guard ServiceName(rawValue: service) != nil else {
                throw ValidationError("unknown service \(service): expected \(ServiceName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        var topic: String { Topics.deadLetter(service: service) }
    }

    /// One message of a dead-letter topic, read as a `DeadLetter` when it is one.
    struct Entry: Sendable {
        var message: KafkaMessage
        var letter: DeadLetter?
        var problem: String?

        init(_ message: KafkaMessage) {
            self.message = message
            do {
                letter = try MessageCoding.decode(DeadLetter.self, from: message.value)
            } catch {
                problem = "not a dead letter: \(error)"
            }
        }

        var original: [UInt8]? { letter.flatMap { Data(base64Encoded: $0.originalBase64) }.map(Array.init) }
    }

    static func read(_ target: Target, kafka: KafkaOptions) async throws -> [Entry] {
        try await KafkaTopicReader.readAll(topic: target.topic, configuration: kafka.configuration(role: "reader")).map(Entry.init)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per dead letter: where it sits, when, what, why.")

        @OptionGroup var target: Target
        @OptionGroup var kafka: KafkaOptions
        @Flag(help: "Print JSON lines (the dead letters as stored, plus dlqPartition and dlqOffset)") var json = false

        func run() async throws {
            let entries = try await DeadLetterCommand.read(target, kafka: kafka)
            if json {
                for entry in entries { print(DeadLetterCommand.jsonLine(entry)) }
                return
            }
            print("\(entries.count) dead letter(s) on \(target.topic)")
            for entry in entries {
                let at = "\(entry.message.partition):\(entry.message.offset)"
                guard let letter = entry.letter else {
                    print("\(at)  unreadable  \(entry.problem ?? "")")
                    continue
                }
                print([at, MessageCoding.formatTimestamp(letter.failedAt), letter.eventId ?? "-",
                       "\(letter.topic)/\(letter.partition)/\(letter.offset)", "attempts \(letter.attempts)",
                       String(letter.reason.prefix(160))].joined(separator: "  "))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One dead letter in full, with its original message.")

        @OptionGroup var target: Target
        @Argument(help: "Its offset on the dead-letter topic (as `list` prints it: PARTITION:OFFSET, or OFFSET for partition 0)")
        var position: String
        @OptionGroup var kafka: KafkaOptions

        func run() async throws {
            let (partition, offset) = try DeadLetterCommand.parse(position)
            let entries = try await DeadLetterCommand.read(target, kafka: kafka)
            guard let entry = entries.first(where: { $0.message.partition == partition && $0.message.offset == offset }) else {
                throw ValidationError("no message at \(partition):\(offset) on \(target.topic)")
            }
            print(DeadLetterCommand.jsonLine(entry, pretty: true))
            if let original = entry.original {
                print("original (\(original.count) bytes):")
                print(String(validating: original, as: UTF8.self) ?? original.map { String(format: "%02x", $0) }.joined())
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish dead letters' original messages again, with their original key, on their original topic.",
            discussion: """
                The consumer then processes them again (run it after fixing the cause). Choose with --at \
                PARTITION:OFFSET (repeatable), --event ID (repeatable) or --all; --dry-run prints what would be sent.
                """)

        @OptionGroup var target: Target
        @Option(name: .customLong("at"), help: "PARTITION:OFFSET on the dead-letter topic (repeatable)") var positions: [String] = []
        @Option(name: .customLong("event"), help: "Every dead letter of this event id (repeatable)") var eventIds: [String] = []
        @Flag(help: "Every dead letter on the topic") var all = false
        @Flag(name: .customLong("dry-run"), help: "Only print what would be replayed") var dryRun = false
        @OptionGroup var kafka: KafkaOptions

        func validate() throws {
            guard all || !positions.isEmpty || !eventIds.isEmpty else {
                throw ValidationError("choose what to replay: --at PARTITION:OFFSET, --event ID or --all")
            }
            for position in positions { _ = try DeadLetterCommand.parse(position) }
        }

        func run() async throws {
            Observability.bootstrap(logLevel: .warning)
            let wanted = try Set(positions.map { try DeadLetterCommand.parse($0) }.map { "\($0.0):\($0.1)" })
            let entries = try await DeadLetterCommand.read(target, kafka: kafka).filter { entry in
                all || wanted.contains("\(entry.message.partition):\(entry.message.offset)")
                    || (entry.letter?.eventId).map(eventIds.contains) == true
            }
            var outgoing: [(Entry, OutgoingMessage)] = []
            for entry in entries {
                guard let letter = entry.letter, let original = entry.original else {
                    note("skipping \(entry.message.partition):\(entry.message.offset): \(entry.problem ?? "its original is not valid base64")")
                    continue
                }
                outgoing.append((entry, OutgoingMessage(topic: letter.topic, key: letter.key.map { Array($0.utf8) }, value: original)))
            }
            if outgoing.isEmpty {
                throw ValidationError("nothing to replay on \(target.topic) for that choice")
            }
            if dryRun {
                for (entry, message) in outgoing {
                    print("would replay \(entry.message.partition):\(entry.message.offset) → \(message.topic) key \(message.key.map { String(decoding: $0, as: UTF8.self) } ?? "-") (\(message.value.count) bytes)")
                }
                return
            }
            let producer = try KafkaProducer(configuration: kafka.configuration(role: "replay"), logger: .init(label: "minsheng.ctl"))
            let results = await producer.send(outgoing.map(\.1))
            await producer.close()
            var failed = 0
            for ((entry, _), result) in zip(outgoing, results) {
                switch result {
                case .success(let report):
                    print("replayed \(entry.message.partition):\(entry.message.offset) → \(report.topic)/\(report.partition)/\(report.offset)")
                case .failure(let error):
                    failed += 1
                    note("could not replay \(entry.message.partition):\(entry.message.offset): \(error)")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    static func parse(_ position: String) throws -> (Int32, Int64) {
        let parts = position.split(separator: ":")
        if parts.count == 1, let offset = Int64(parts[0]), offset >= 0 { return (0, offset) }
        guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]), partition >= 0, offset >= 0 else {
            throw ValidationError("\(position) is not PARTITION:OFFSET")
        }
        return (partition, offset)
    }

    static func jsonLine(_ entry: Entry, pretty: Bool = false) -> String {
        var object: [String: Any] = ["dlqPartition": entry.message.partition, "dlqOffset": entry.message.offset]
        if let parsed = try? JSONSerialization.jsonObject(with: Data(entry.message.value)) as? [String: Any] {
            object.merge(parsed) { current, _ in current }
        } else {
            object["unreadable"] = entry.problem ?? "not JSON"
        }
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        return (try? JSONSerialization.data(withJSONObject: object, options: options)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
