import Foundation
import Logging
import MinshengKafka
import Synchronization
import Testing
@testable import MinshengPlatform

/// The lag reporter's watch on progress: a member with lag that finishes nothing is reported stuck, with
/// the partitions behind and how far it got in each, and `/readyz` says so until it moves again.
@Suite("A stuck consumer is reported", .enabled(if: TestBroker.enabled))
struct ConsumerStallTests {
    @Test func lagWithoutProgressFailsReadinessAndNamesThePartitionsBehind() async throws {
        let topic = TestBroker.uniqueTopic("stall")
        try await KafkaAdmin.ensureTopics([topic], partitions: 2, configuration: TestBroker.configuration("admin"))
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: Logger(label: "test"))
        let reports = await producer.send((0..<3).map { OutgoingMessage(topic: topic, key: nil, value: Array("m\($0)".utf8), partition: 0) })
        #expect(reports.allSatisfy { (try? $0.get()) != nil })
        await producer.close()

        let group = "it-stall-\(UUID().uuidString.prefix(8))"
        let consumer = try KafkaConsumer(
            configuration: TestBroker.configuration("test-consumer"),
            options: .init(groupId: group, instanceId: "\(group)-1", topics: [topic]), logger: Logger(label: "test"))
        // Handed one batch, and never finishes it: nothing is stored or committed.
        let batch = try await consumer.nextBatch(maxMessages: 1)
        #expect(batch?.first?.offset == 0)

        let logs = StallLogs()
        let progress = ConsumerProgress()
        let readiness = Readiness()
        readiness.set("consumer", .ready)
        let reporter = ConsumerLagReporter(
            consumer: consumer, interval: .milliseconds(200), progress: progress, readiness: readiness,
            stallAfter: .seconds(1), logger: logs.logger())
        let run = Task { try await reporter.run() }
        defer { run.cancel() }

        let failing = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            if case .failing = readiness.state(of: "consumer") { return true }
            return nil
        }
        #expect(failing == true)
        let stuck = logs.records.first { $0.message == "Consumer stuck: lag but no progress" }
        #expect(stuck?.metadata["lag"] == "3")
        // The partition behind, its committed offset, end and this member's position (one message handed out);
        // the empty partition is not named.
        let partitions = stuck?.metadata["partitions"] ?? ""
        #expect(partitions.contains("\(topic)/0 committed none end 3 position 1"), "\(partitions)")
        #expect(!partitions.contains("\(topic)/1"), "\(partitions)")

        // It finishes messages again (steadily: a check that itself takes over a second under load must still
        // find progress within `stallAfter`): ready again, and the log says so.
        let moving = Task {
            while !Task.isCancelled {
                progress.advanced(by: 1)
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { moving.cancel() }
        let ready = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            readiness.state(of: "consumer") == .ready ? true : nil
        }
        #expect(ready == true)
        #expect(logs.records.contains { $0.message == "Consumer moving again" })
        run.cancel()
        _ = try? await run.value
        await consumer.close()
    }
}

/// Keeps what is logged, for the expectations above.
private final class StallLogs: Sendable {
    struct Record: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let kept = Mutex<[Record]>([])
    var records: [Record] { kept.withLock { $0 } }

    func logger() -> Logger { Logger(label: "test") { _ in Handler(logs: self) } }

    private struct Handler: LogHandler {
        let logs: StallLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let record = Record(message: "\(event.message)", metadata: (event.metadata ?? [:]).mapValues { "\($0)" })
            logs.kept.withLock { $0.append(record) }
        }
    }
}
