import ArgumentParser
import Foundation
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// `minsheng-ctl send <source> FILE`: publishes a file of inbound events (JSON lines) on the source's
/// inbound topic, keyed by each event's `id`, as the 12345 or 110 system would.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Publish inbound events (one JSON object per line) on a source's inbound topic, keyed by their id.",
        discussion: """
            Every line is checked first (a JSON object with a string `id`; blank lines are skipped): a bad line \
            stops the command before anything is sent, naming the line. Intake then validates each event as \
            usual (docs/inbound.md). A progress bar goes to standard error.
            """)

    @Argument(help: "hotline12345, police110, web or grid") var source: String
    @Argument(help: "JSON-lines file; - for standard input") var file: String
    @Option(help: "Messages per batch awaited at once") var batch = 500
    @Flag(help: "No progress bar") var quiet = false
    @OptionGroup var kafka: KafkaOptions

    func validate() throws {
        guard let source = Source(rawValue: source) else {
            throw ValidationError("unknown source \(self.source): expected \(Source.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard source.inboundTopic != nil else { throw ValidationError("\(source.rawValue) has no inbound topic: it sends over HTTP only") }
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1-10000") }
    }

    func run() async throws {
        Observability.bootstrap(logLevel: .warning)
        let topic = Source(rawValue: source)!.inboundTopic!
        let data: Data
        do {
            data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let messages = try Self.messages(from: data, topic: topic)
        let producer = try KafkaProducer(configuration: kafka.configuration(role: "send"), logger: .init(label: "minsheng.ctl"))
        let progress = ProgressBar(total: messages.count, enabled: !quiet)
        var failures: [String] = []
        var sent = 0
        for start in stride(from: 0, to: messages.count, by: batch) {
            let slice = Array(messages[start..<min(start + batch, messages.count)])
            for (index, result) in zip(slice.indices, await producer.send(slice.map(\.message))) {
                switch result {
                case .success: sent += 1
                case .failure(let error): failures.append("line \(slice[index].line): \(error)")
                }
            }
            progress.update(start + slice.count)
        }
        await producer.close()
        progress.finish()
        print("sent \(sent) of \(messages.count) event(s) to \(topic)")
        if !failures.isEmpty {
            for failure in failures.prefix(20) { note(failure) }
            throw ExitCode(1)
        }
    }

    /// The messages of a JSON-lines file; throws naming the first line that is not an object with an `id`.
    static func messages(from data: Data, topic: String) throws -> [(line: Int, message: OutgoingMessage)] {
        var result: [(Int, OutgoingMessage)] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = Array(line)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw ValidationError("line \(lineNumber) is not a JSON object; nothing was sent")
            }
            guard let id = object["id"] as? String, !id.isEmpty else {
                throw ValidationError("line \(lineNumber) has no string id; nothing was sent")
            }
            result.append((lineNumber, OutgoingMessage(topic: topic, key: id, value: bytes)))
        }
        return result
    }
}
