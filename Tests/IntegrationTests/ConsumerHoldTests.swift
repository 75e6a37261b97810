import Foundation
import Logging
import Synchronization
import Testing
@testable import MinshengKafka

/// A held partition (its state being restored) hands out nothing until it is released; then everything it
/// received meanwhile comes first, in order, and nothing is lost or repeated. With and without the idle
/// pause, whose wait is where a held partition's first message often arrives.
@Suite("Holding a partition back until its state is restored", .enabled(if: TestBroker.enabled))
struct ConsumerHoldTests {
    @Test(arguments: [false, true]) func aHeldPartitionWaitsForItsReleaseThenComesInOrder(idle: Bool) async throws {
        let topic = TestBroker.uniqueTopic("hold")
        try await KafkaAdmin.ensureTopics([topic], partitions: 2, configuration: TestBroker.configuration("admin"))
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: Logger(label: "test"))
        func send(_ partition: Int32, _ values: Range<Int>) async {
            let reports = await producer.send(values.map {
                OutgoingMessage(topic: topic, key: nil, value: Array("p\(partition)-\($0)".utf8), partition: partition)
            })
            #expect(reports.allSatisfy { (try? $0.get()) != nil })
        }
        await send(0, 0..<5)
        await send(1, 0..<2)

        let group = "it-hold-\(UUID().uuidString.prefix(8))"
        let consumer = try KafkaConsumer(
            configuration: TestBroker.configuration("test-consumer"),
            options: .init(groupId: group, instanceId: "\(group)-1", topics: [topic], idlePause: idle ? .milliseconds(50) : nil),
            logger: Logger(label: "test"))
        let held = TopicPartition(topic: topic, partition: 0)
        let listener = HoldOnAssignment(holding: held)
        consumer.setRebalanceListener(listener)
        let received = Mutex<[KafkaMessage]>([])
        let reader = Task {
            while let batch = try await consumer.nextBatch(maxMessages: 3) {
                received.withLock { $0.append(contentsOf: batch) }
            }
        }
        defer { reader.cancel() }

        // The free partition runs; the held one hands out nothing, also what arrives while it is held.
        let free = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
            received.withLock { $0.count } >= 2 ? true : nil
        }
        #expect(free == true)
        await send(0, 5..<8)
        try await Task.sleep(for: .seconds(2))
        #expect(received.withLock { $0.allSatisfy { $0.partition == 1 } }, "a held partition's message was handed out")
        #expect(listener.assignments.withLock { $0 } == 1)
        #expect(await consumer.lag().first { $0.partition == 0 }?.held == true)

        // Released: all eight, once each, in order; then what comes later.
        consumer.release([held])
        await send(0, 8..<10)
        let all = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
            received.withLock { $0.filter { $0.partition == 0 }.count } >= 10 ? true : nil
        }
        #expect(all == true)
        try await Task.sleep(for: .milliseconds(500))
        let fromHeld = received.withLock { $0.filter { $0.partition == 0 } }
        #expect(fromHeld.map(\.offset) == Array(0..<10))
        #expect(fromHeld.map { String(decoding: $0.value, as: UTF8.self) } == (0..<10).map { "p0-\($0)" })
        #expect(await consumer.lag().first { $0.partition == 0 }?.held == false)
        reader.cancel()
        _ = try? await reader.value
        await consumer.close()
        await producer.close()
    }
}

extension ConsumerHoldTests {
    /// A held partition that was paused at its first parked message and is then given up (revoked) is
    /// resumed in librdkafka, which keeps a pause across assignments: were it assigned here again, it
    /// would otherwise never move. Revocation is stood in for by `forget`, which the rebalance callback calls.
    @Test func aPartitionPausedWhileHeldIsResumedWhenItIsGivenUp() async throws {
        let topic = TestBroker.uniqueTopic("hold-forget")
        try await KafkaAdmin.ensureTopics([topic], partitions: 1, configuration: TestBroker.configuration("admin"))
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: Logger(label: "test"))
        func send(_ value: String) async {
            let report = await producer.send([OutgoingMessage(topic: topic, key: nil, value: Array(value.utf8), partition: 0)])
            #expect(report.allSatisfy { (try? $0.get()) != nil })
        }
        await send("parked")
        let group = "it-hold-forget-\(UUID().uuidString.prefix(8))"
        let consumer = try KafkaConsumer(
            configuration: TestBroker.configuration("test-consumer"),
            options: .init(groupId: group, instanceId: "\(group)-1", topics: [topic]), logger: Logger(label: "test"))
        let partition = TopicPartition(topic: topic, partition: 0)
        consumer.setRebalanceListener(HoldOnAssignment(holding: partition))
        let received = Mutex<[String]>([])
        let reader = Task {
            while let batch = try await consumer.nextBatch(maxMessages: 10) {
                received.withLock { $0.append(contentsOf: batch.map { String(decoding: $0.value, as: UTF8.self) }) }
            }
        }
        defer { reader.cancel() }
        // The first message is parked, and the partition paused.
        let paused = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
            consumer.holding.withLock { $0.paused.contains(partition) } ? true : nil
        }
        #expect(paused == true)
        #expect(received.withLock { $0.isEmpty })

        consumer.forget([partition])
        #expect(consumer.holding.withLock { $0.held.isEmpty && $0.parked.isEmpty && $0.paused.isEmpty })
        await send("after")
        let moved = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
            received.withLock { $0.contains("after") } ? true : nil
        }
        #expect(moved == true, "the partition stayed paused after it was given up")
        reader.cancel()
        _ = try? await reader.value
        await consumer.close()
        await producer.close()
    }
}

/// Holds one partition whenever it is assigned, as `PartitionOwnership` holds a stateful input.
private final class HoldOnAssignment: RebalanceListener {
    let holding: TopicPartition
    let assignments = Mutex(0)

    init(holding: TopicPartition) { self.holding = holding }

    func partitionsAssigned(_ partitions: [TopicPartition], consumer: KafkaConsumer) {
        guard partitions.contains(holding) else { return }
        assignments.withLock { $0 += 1 }
        consumer.hold([holding])
    }

    func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool, consumer: KafkaConsumer) {}
}
