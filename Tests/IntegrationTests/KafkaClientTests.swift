import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import Testing
@testable import MinshengPlatform

@Suite("Kafka client against the real broker", .enabled(if: TestBroker.enabled), .serialized)
struct KafkaClientTests {
    let logger = Logger(label: "test")


    func consumer(topic: String, group: String, idlePause: Duration? = nil) throws -> KafkaConsumer {
        try KafkaConsumer(configuration: TestBroker.configuration("test-consumer"),
                          options: .init(groupId: group, instanceId: "\(group)-1", topics: [topic], idlePause: idlePause),
                          logger: logger)
    }

    @Test func producedMessagesArriveInOrderAndCommittedOffsetsHold() async throws {
        let topic = TestBroker.uniqueTopic("roundtrip")
        try await KafkaAdmin.ensureTopics([topic], partitions: 1, configuration: TestBroker.configuration("admin"))
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        let messages = (0..<20).map { OutgoingMessage(topic: topic, key: "k\($0 % 3)", value: Array("m\($0)".utf8)) }
        let reports = await producer.send(messages)
        let offsets = try reports.map { try $0.get().offset }
        #expect(offsets == Array(0..<20))

        let group = "it-group-\(UUID().uuidString.prefix(8))"
        let first = try consumer(topic: topic, group: group)
        var received: [String] = []
        for try await message in first {
            received.append(String(decoding: message.value, as: UTF8.self))
            try first.storeOffset(of: message)
            if received.count == 20 { break }
        }
        #expect(received == (0..<20).map { "m\($0)" })
        try await first.commit()
        await first.close()

        // A new member of the same group starts after what was committed.
        _ = try await producer.send(topic: topic, key: Array("k".utf8), value: Array("after".utf8))
        let second = try consumer(topic: topic, group: group)
        var next: KafkaMessage?
        for try await message in second {
            next = message
            break
        }
        #expect(next.map { String(decoding: $0.value, as: UTF8.self) } == "after")
        #expect(next?.offset == 20)
        let lag = await second.lag()
        #expect(lag.count == 1)
        #expect(lag.first?.committed == 20)
        await second.close()
        await producer.close()
    }

    @Test func anIdlePausedConsumerStillSeesMessagesThatArriveLater() async throws {
        let topic = TestBroker.uniqueTopic("idle")
        try await KafkaAdmin.ensureTopics([topic], partitions: 2, configuration: TestBroker.configuration("admin"))
        let idle = try consumer(topic: topic, group: "it-idle-\(UUID().uuidString.prefix(8))", idlePause: .milliseconds(100))
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        let sender = Task {
            try await Task.sleep(for: .seconds(3))  // long enough for the consumer to pause
            return try await producer.send(topic: topic, key: Array("late".utf8), value: Array("late".utf8))
        }
        var got: String?
        for try await message in idle {
            got = String(decoding: message.value, as: UTF8.self)
            break
        }
        _ = try await sender.value
        #expect(got == "late")
        await idle.close()
        await producer.close()
    }

    @Test func theOutboxPublishesInOrderAndMarksRowsSent() async throws {
        let topic = TestBroker.uniqueTopic("outbox")
        try await KafkaAdmin.ensureTopics([topic], partitions: 1, configuration: TestBroker.configuration("admin"))
        let database = try ServiceDatabase.inMemory { _ in }
        try await database.writer.write { db in
            for index in 0..<5 { try Outbox.enqueue(db, topic: topic, key: "ev-\(index)", payload: Array("p\(index)".utf8)) }
        }
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        let publisher = OutboxPublisher(database: database.writer, producer: producer, service: .intake, logger: logger)
        _ = try await publisher.publishPending()
        let unsent = try await database.writer.read { db in try Outbox.pendingCount(db) }
        #expect(unsent == 0)
        let reader = try consumer(topic: topic, group: "it-outbox-\(UUID().uuidString.prefix(8))")
        var keys: [String] = []
        for try await message in reader {
            keys.append(message.keyString ?? "")
            if keys.count == 5 { break }
        }
        #expect(keys == (0..<5).map { "ev-\($0)" })
        await reader.close()
        await producer.close()
    }

    @Test func theConsumerLoopSkipsRepeatsAndDeadLettersPoison() async throws {
        let topic = TestBroker.uniqueTopic("loop")
        try await KafkaAdmin.ensureTopics([topic], partitions: 1, configuration: TestBroker.configuration("admin"))
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        for value in ["a", "poison", "a"] {
            _ = try await producer.send(topic: topic, key: Array(value.utf8), value: Array(value.utf8))
        }
        let database = try ServiceDatabase.inMemory { migrator in
            migrator.registerMigration("test") { db in try db.execute(sql: "CREATE TABLE seen (value TEXT)") }
        }
        let publisher = OutboxPublisher(database: database.writer, producer: producer, service: .classification, logger: logger)
        let source = try consumer(topic: topic, group: "it-loop-\(UUID().uuidString.prefix(8))")
        let service = ConsumerService(
            consumer: source, handler: RecordingHandler(), database: database.writer, outbox: publisher,
            service: .classification, logger: logger, retryDelays: [.milliseconds(10)])
        var count = 0
        for try await message in source {
            try await service.process([message])
            count += 1
            if count == 3 { break }
        }
        let (seen, deadLetters) = try await database.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT value FROM seen"),
             try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = 'classification.dlq'"))
        }
        #expect(seen == ["a"])  // the second "a" has the same idempotency key
        #expect(deadLetters.count == 1)
        let letter = try MessageCoding.decode(DeadLetter.self, from: Array(deadLetters[0]["payload"] as Data))
        #expect(letter.reason.contains("poison"))
        #expect(letter.offset == 1)
        #expect(Data(base64Encoded: letter.originalBase64) == Data("poison".utf8))
        await source.close()
        await producer.close()
    }
}

/// Records values; refuses "poison" for good.
struct RecordingHandler: MessageHandler {
    func idempotencyKey(for message: KafkaMessage) -> String { "v:" + (message.keyString ?? "") }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let value = String(decoding: message.value, as: UTF8.self)
        if value == "poison" { throw UnprocessableMessage("poison is never processable") }
        try db.execute(sql: "INSERT INTO seen (value) VALUES (?)", arguments: [value])
    }
}
