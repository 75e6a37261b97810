import ArgumentParser
import Foundation
import Logging
import MinshengKafka
import MinshengPlatform

/// `minsheng-ctl tail TOPIC...`: prints the messages of topics as they come (or from the beginning), like
/// `kcat -C`, but without spinning on a broker that answers empty fetches at once: after a poll that
/// found nothing it stops fetching and only checks the partitions' end offsets every `--idle-pause-ms`.
/// It joins no consumer group and commits nothing.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the messages of topics as they come, or from the beginning (no consumer group, nothing committed).",
        discussion: """
            Each message is printed with --format, in kcat's tokens: %t topic, %p partition, %o offset, \
            %T timestamp (ms since 1970), %k key, %s value, %% a percent sign; \\t, \\n and \\\\ escapes. \
            A newline ends each message unless the format ends with one. Standard output is written after \
            every batch read, so a pipe or file sees messages as they come.
            """)

    enum Start: String, ExpressibleByArgument, CaseIterable { case end, beginning }

    @Argument(help: "The topics to read (all their partitions)") var topics: [String]
    @Option(help: "end: what comes from now on; beginning: everything kept") var from: Start = .end
    @Option(help: "How each message is printed (kcat's tokens)") var format = "%t/%p/%o\\t%T\\t%k\\t%s"
    @Option(help: "Stop after this many messages") var count: Int?
    @Flag(name: [.customShort("e"), .customLong("exit-at-end")], help: "Stop at the end every partition had when the command started (past transaction markers; or after a minute with nothing more)")
    var exitAtEnd = false
    @Option(name: .customLong("idle-pause-ms"), help: "While nothing comes, check for new messages every N ms instead of fetching (0: fetch all the time)")
    var idlePauseMilliseconds = 200
    @OptionGroup var kafka: KafkaOptions

    func validate() throws {
        guard !topics.isEmpty else { throw ValidationError("name at least one topic") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard (0...60_000).contains(idlePauseMilliseconds) else { throw ValidationError("--idle-pause-ms must be 0-60000") }
        do {
            _ = try MessageFormat(format)
        } catch {
            throw ValidationError("--format: \(error)")
        }
    }

    func run() async throws {
        Observability.bootstrap(logLevel: .warning)
        let format = try MessageFormat(format)
        let reader = try KafkaPartitionReader(
            configuration: kafka.configuration(role: "tail"), name: "tail",
            idlePause: idlePauseMilliseconds == 0 ? nil : .milliseconds(idlePauseMilliseconds), logger: Logger(label: "minsheng.ctl"))
        var starts: [TopicPartition: Int64] = [:]
        /// With --exit-at-end: where each partition still to be read ends, and how far it has been read.
        var remaining: [TopicPartition: (next: Int64, end: Int64)] = [:]
        for topic in Set(topics).sorted() {
            let partitions: [Int32]
            do {
                partitions = try await reader.partitions(of: topic)
            } catch {
                await reader.close()
                note("cannot read topic \(topic): \(error)")
                throw ExitCode(1)
            }
            for partition in partitions {
                let key = TopicPartition(topic: topic, partition: partition)
                starts[key] = from == .end ? KafkaPartitionReader.end : KafkaPartitionReader.beginning
                if exitAtEnd, from == .beginning {
                    let offsets = try await reader.offsets(of: topic, partition: partition)
                    if offsets.end > offsets.first { remaining[key] = (offsets.first, offsets.end) }
                }
            }
        }
        if exitAtEnd, remaining.isEmpty {
            await reader.close()
            return
        }
        try await reader.follow(starts)
        var printed = 0
        var emptyPolls = 0
        reading: while !Task.isCancelled {
            let batch = try await reader.poll(maxMessages: 1000, wait: .milliseconds(500))
            emptyPolls = batch.isEmpty ? emptyPolls + 1 : 0
            // The reader knows where a partition ends past its last message (transaction markers); a
            // partition that still yields nothing after a minute cannot be read to its end.
            if exitAtEnd {
                let positions = reader.positions
                remaining = remaining.filter { key, read in (positions[key] ?? read.next) < read.end }
                if emptyPolls >= 120 {
                    note("stopped: nothing came for a minute before the end of \(remaining.keys.map(\.description).sorted().joined(separator: ", "))")
                    break reading
                }
            }
            var output: [UInt8] = []
            for message in batch {
                format.write(message, to: &output)
                printed += 1
                let key = TopicPartition(topic: message.topic, partition: message.partition)
                if let read = remaining[key] {
                    if message.offset + 1 >= read.end { remaining[key] = nil } else { remaining[key] = (message.offset + 1, read.end) }
                }
                if let count, printed >= count { break }
            }
            if !output.isEmpty { FileHandle.standardOutput.write(Data(output)) }
            if let count, printed >= count { break reading }
            if exitAtEnd, remaining.isEmpty { break reading }
        }
        await reader.close()
    }
}
