import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import Synchronization
import Testing
@testable import MinshengPlatform

/// The consumer loop's batches and the streaming outbox against the real broker: what one poison or
/// flaky message does to its neighbours, what a replayed dead letter does, and what one undeliverable
/// outbox row does to the rows behind it.
@Suite("Batches, dead letters and the outbox against the real broker", .enabled(if: TestBroker.enabled), .serialized)
struct BatchAndOutboxTests {
    let logger = Logger(label: "test")


    func seenDatabase() throws -> ServiceDatabase {
        try ServiceDatabase.inMemory { migrator in
            migrator.registerMigration("test") { db in try db.execute(sql: "CREATE TABLE seen (value TEXT)") }
        }
    }

    /// Publishes `values` (key = value) on a new topic and reads them back as one list of messages.
    func messages(_ values: [String], producer: KafkaProducer) async throws -> (KafkaConsumer, [KafkaMessage]) {
        let topic = TestBroker.uniqueTopic("batch")
        try await KafkaAdmin.ensureTopics([topic], partitions: 1, configuration: TestBroker.configuration("admin"))
        let results = await producer.send(values.map { OutgoingMessage(topic: topic, key: $0, value: Array($0.utf8)) })
        for result in results { _ = try result.get() }
        let consumer = try KafkaConsumer(
            configuration: TestBroker.configuration("test-consumer"),
            options: .init(groupId: "it-batch-\(UUID().uuidString.prefix(8))", instanceId: nil, topics: [topic]),
            logger: logger)
        var received: [KafkaMessage] = []
        while received.count < values.count, let batch = try await consumer.nextBatch(maxMessages: 100) {
            received += batch
        }
        return (consumer, received)
    }

    @Test func aPoisonOrFlakyMessageInABatchDoesNotRollBackItsNeighbours() async throws {
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        defer { Task { await producer.close() } }
        let values = ["a", "b", "poison", "c", "flaky-2", "d", "always-fails", "e"]
        let (consumer, batch) = try await messages(values, producer: producer)
        #expect(batch.count == values.count)
        let database = try seenDatabase()
        let handler = ScriptedHandler()
        let publisher = OutboxPublisher(database: database.writer, producer: producer, service: .classification, logger: logger)
        let service = ConsumerService(
            consumer: consumer, handler: handler, database: database.writer, outbox: publisher, service: .classification,
            logger: logger, retryDelays: [.milliseconds(5), .milliseconds(5), .milliseconds(5)])
        try await service.process(batch)

        let (seen, letters) = try await database.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT value FROM seen ORDER BY rowid"),
             try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = 'classification.dlq' ORDER BY id").map {
                 try MessageCoding.decode(DeadLetter.self, from: Array($0["payload"] as Data))
             })
        }
        // Everything but the two bad ones, in order; the flaky one went through on a retry.
        #expect(seen == ["a", "b", "c", "flaky-2", "d", "e"])
        #expect(letters.map(\.key) == ["poison", "always-fails"])
        #expect(letters.map(\.attempts) == [1, 4])
        // The poison stayed in the batch transaction (one attempt); the flaky one was retried alone.
        #expect(handler.attempts(of: "flaky-2") == 3)
        #expect(handler.attempts(of: "poison") == 1)

        // The same messages again (a redelivery after a crash): nothing twice, no second dead letter.
        try await service.process(batch)
        let (seenAgain, lettersAgain) = try await database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM seen") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE topic = 'classification.dlq'") ?? 0)
        }
        #expect(seenAgain == 6)
        #expect(lettersAgain == 2)
        await consumer.close()
    }

    @Test func offsetsAreStoredOnlyOnceWhatTheBatchWroteIsInKafka() async throws {
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        defer { Task { await producer.close() } }
        let (consumer, batch) = try await messages(["a", "b", "c"], producer: producer)
        let database = try ServiceDatabase.inMemory { migrator in
            migrator.registerMigration("test") { db in try db.execute(sql: "CREATE TABLE seen (value TEXT)") }
        }
        let output = TestBroker.uniqueTopic("out")
        try await KafkaAdmin.ensureTopics([output], partitions: 1, configuration: TestBroker.configuration("admin"))
        let publisher = OutboxPublisher(database: database.writer, producer: producer, service: .intake, logger: logger)
        let service = ConsumerService(
            consumer: consumer, handler: ForwardingHandler(topic: output), database: database.writer, outbox: publisher,
            service: .intake, logger: logger)
        try await service.process(batch)
        // Committed in SQLite, but the outbox has not published: nothing is stored, nothing committed.
        #expect(service.unconfirmedBatches == 1)
        try await consumer.commit()
        #expect(await consumer.lag().first?.committed == nil)
        // Handed out, so the member's position is past the batch; nothing is held.
        let handedOut = await consumer.lag().first
        #expect(handedOut?.position == 3 && handedOut?.held == false)
        // The publisher runs: the rows reach Kafka, then the offsets are stored and committed.
        let run = Task { try await publisher.run() }
        let stored = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) { service.unconfirmedBatches == 0 ? true : nil }
        #expect(stored == true)
        try await consumer.commit()
        #expect(await consumer.lag().first?.committed == 3)
        run.cancel()
        _ = try? await run.value
        await consumer.close()
    }

    @Test func aReplayedDeadLetterIsProcessedOnceTheCauseIsFixed() async throws {
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        defer { Task { await producer.close() } }
        let (consumer, batch) = try await messages(["a", "fix-me"], producer: producer)
        let database = try seenDatabase()
        let handler = ScriptedHandler()
        let publisher = OutboxPublisher(database: database.writer, producer: producer, service: .dispatch, logger: logger)
        let service = ConsumerService(
            consumer: consumer, handler: handler, database: database.writer, outbox: publisher, service: .dispatch,
            logger: logger, retryDelays: [])
        try await service.process(batch)
        let letterRow = try await database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT payload FROM outbox WHERE topic = 'dispatch.dlq'")
        }
        let letter = try MessageCoding.decode(DeadLetter.self, from: Array(try #require(letterRow)["payload"] as Data))
        #expect(letter.key == "fix-me")

        // The operator fixes the cause and replays: the original bytes and key, published again.
        handler.fix("fix-me")
        let original = try #require(Data(base64Encoded: letter.originalBase64))
        _ = try await producer.send(topic: letter.topic, key: letter.key.map { Array($0.utf8) }, value: Array(original))
        var replay: [KafkaMessage] = []
        while replay.isEmpty, let next = try await consumer.nextBatch(maxMessages: 10) { replay = next }
        try await service.process(replay)
        let seen = try await database.writer.read { db in try String.fetchAll(db, sql: "SELECT value FROM seen ORDER BY rowid") }
        #expect(seen == ["a", "fix-me"])
        await consumer.close()
    }

    @Test func theStreamingOutboxSendsEveryRowOnceInOrderWhileRowsKeepComing() async throws {
        let topic = TestBroker.uniqueTopic("stream")
        try await KafkaAdmin.ensureTopics([topic], partitions: 3, configuration: TestBroker.configuration("admin"))
        let database = try ServiceDatabase.inMemory { _ in }
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        var settings = OutboxPublisher.Settings()
        settings.maxInFlight = 300  // small, so the window fills and drains many times
        settings.readBatch = 70
        let publisher = OutboxPublisher(
            database: database.writer, producer: producer, service: .dispatch, logger: logger, settings: settings)
        let run = Task { try await publisher.run() }
        // 40 writers' worth of rows, 10 keys, in transactions of 1 to 50 rows, while the publisher runs.
        var written = 0
        for transaction in 0..<120 {
            let rows = transaction % 50 + 1
            let start = written
            try await database.writer.write { db in
                for index in start..<(start + rows) {
                    try Outbox.enqueue(db, topic: topic, key: "k\(index % 10)", payload: Array("\(index)".utf8))
                }
            }
            written += rows
            publisher.wake()
        }
        let done = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            try await database.writer.read { db in try Outbox.pendingCount(db) == 0 ? true : nil }
        }
        #expect(done == true)
        run.cancel()
        _ = try? await run.value
        let reader = try KafkaConsumer(
            configuration: TestBroker.configuration("test-consumer"),
            options: .init(groupId: "it-stream-\(UUID().uuidString.prefix(8))", instanceId: nil, topics: [topic]),
            logger: logger)
        var byKey: [String: [Int]] = [:]
        var count = 0
        while count < written, let batch = try await reader.nextBatch(maxMessages: 500) {
            for message in batch {
                byKey[message.keyString ?? "", default: []].append(Int(String(decoding: message.value, as: UTF8.self))!)
            }
            count += batch.count
        }
        // Nothing more arrives within two seconds: each row exactly once.
        let extra = await messagesWithinTwoSeconds(reader)
        #expect(extra == 0)
        #expect(count == written)
        #expect(byKey.values.reduce(0) { $0 + $1.count } == written)
        for (key, values) in byKey {
            #expect(values == values.sorted(), "key \(key) out of order")
            #expect(Set(values).count == values.count, "key \(key) has repeats")
        }
        await reader.close()
        await producer.close()
    }

    /// How many messages `reader` gets within the next two seconds (0: nothing more came).
    func messagesWithinTwoSeconds(_ reader: KafkaConsumer) async -> Int {
        await withTaskGroup(of: Int.self) { group in
            group.addTask { (try? await reader.nextBatch(maxMessages: 500))??.count ?? 0 }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return 0
            }
            let first = await group.next() ?? 0
            group.cancelAll()
            return first
        }
    }

    /// Every message of `topic` as (key, value), in partition order.
    func everything(on topic: String, count: Int) async throws -> [(key: String, value: String)] {
        let reader = try KafkaConsumer(
            configuration: TestBroker.configuration("test-consumer"),
            options: .init(groupId: "it-read-\(UUID().uuidString.prefix(8))", instanceId: nil, topics: [topic]),
            logger: logger)
        var messages: [(key: String, value: String)] = []
        while messages.count < count, let batch = try await reader.nextBatch(maxMessages: 500) {
            messages += batch.map { ($0.keyString ?? "", String(decoding: $0.value, as: UTF8.self)) }
        }
        // Nothing more within two seconds.
        let extra = await messagesWithinTwoSeconds(reader)
        #expect(extra == 0, "more than \(count) messages on \(topic)")
        await reader.close()
        return messages
    }

    @Test func changelogRecordsOfOneKeyReadTogetherAreSentOnceAndTheEarlierWaitForTheLast() async throws {
        let changelog = TestBroker.uniqueTopic("coalesce-changelog")
        let output = TestBroker.uniqueTopic("coalesce-output")
        try await KafkaAdmin.ensureTopics([changelog, output], partitions: 1, configuration: TestBroker.configuration("admin"))
        let database = try ServiceDatabase.inMemory { _ in }
        // Three transactions: each writes an output and the new state of keys a and b; b also once more.
        try await database.writer.write { db in
            for step in 1...3 {
                try Outbox.enqueue(db, topic: output, key: "a", payload: Array("out-\(step)".utf8))
                try Changelog.record(db, topic: changelog, partition: 0, key: "a", value: ["state": step])
                try Changelog.record(db, topic: changelog, partition: 0, key: "b", value: ["state": step * 10])
            }
            try Changelog.record(db, topic: changelog, partition: 0, key: "b", value: ["state": 31])
        }
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        var settings = OutboxPublisher.Settings()
        settings.wholeStateTopics = [changelog]
        let publisher = OutboxPublisher(
            database: database.writer, producer: producer, service: .dispatch, logger: logger, settings: settings)
        // Before anything is sent, nothing is confirmed; after, every row is (the riders with their successor).
        #expect(publisher.confirmedThrough < 1)
        try await publisher.publishPending()
        let unsent = try await database.writer.read { db in try Outbox.pendingCount(db) }
        #expect(unsent == 0)
        let last = try await database.writer.read { db in try Outbox.lastId(db) }
        let run = Task { try await publisher.run() }
        let confirmed = try await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
            publisher.confirmedThrough >= last ? true : nil
        }
        #expect(confirmed == true)
        run.cancel()
        _ = try? await run.value

        // Every output; of the changelog, only the last state of each key.
        let outputs = try await everything(on: output, count: 3)
        #expect(outputs.map(\.value) == ["out-1", "out-2", "out-3"])
        let records = try await everything(on: changelog, count: 2)
        #expect(records.map(\.key) == ["a", "b"])
        #expect(records.map(\.value) == [#"{"state":3}"#, #"{"state":31}"#])
        await producer.close()
    }

    @Test func aChangelogRecordWhoseSuccessorIsParkedIsSentOnItsOwn() async throws {
        let changelog = TestBroker.uniqueTopic("coalesce-parked")
        try await KafkaAdmin.ensureTopics([changelog], partitions: 1, configuration: TestBroker.configuration("admin"))
        let database = try ServiceDatabase.inMemory { _ in }
        let huge = String(repeating: "x", count: 1_200_000)  // over the producer's 1 MB
        try await database.writer.write { db in
            try Changelog.record(db, topic: changelog, partition: 0, key: "k", value: ["state": "small"])
            try Changelog.record(db, topic: changelog, partition: 0, key: "k", value: ["state": huge])
            try Changelog.record(db, topic: changelog, partition: 0, key: "other", value: ["state": "after"])
        }
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        var settings = OutboxPublisher.Settings()
        settings.wholeStateTopics = [changelog]
        let publisher = OutboxPublisher(
            database: database.writer, producer: producer, service: .dispatch, logger: logger, settings: settings)
        let run = Task { try await publisher.run() }
        let done = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            try await database.writer.read { db in try Outbox.pendingCount(db) == 0 ? true : nil }
        }
        #expect(done == true)
        run.cancel()
        _ = try? await run.value
        let parked = try await database.writer.read { db in try Outbox.parkedCount(db) }
        #expect(parked == 1)
        let records = try await everything(on: changelog, count: 2)
        #expect(Set(records.map(\.value)) == [#"{"state":"small"}"#, #"{"state":"after"}"#])
        await producer.close()
    }

    @Test func anUndeliverableOutboxRowIsParkedAndTheRowsBehindItFlowInOrder() async throws {
        let topic = TestBroker.uniqueTopic("parking")
        try await KafkaAdmin.ensureTopics([topic], partitions: 1, configuration: TestBroker.configuration("admin"))
        let database = try ServiceDatabase.inMemory { _ in }
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 1_200_000)  // over the producer's 1 MB
        try await database.writer.write { db in
            try Outbox.enqueue(db, topic: topic, key: "k", payload: Array("first".utf8))
            try Outbox.enqueue(db, topic: topic, key: "k", payload: huge)
            for index in 0..<50 { try Outbox.enqueue(db, topic: topic, key: "k", payload: Array("after-\(index)".utf8)) }
        }
        let producer = try KafkaProducer(configuration: TestBroker.configuration("test-producer"), logger: logger)
        let readiness = Readiness()
        let publisher = OutboxPublisher(
            database: database.writer, producer: producer, service: .intake, logger: logger, readiness: readiness)
        let run = Task { try await publisher.run() }
        let done = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            try await database.writer.read { db in try Outbox.pendingCount(db) == 0 ? true : nil }
        }
        #expect(done == true)
        let parked = try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, last_error FROM outbox WHERE parked_at IS NOT NULL")
        }
        #expect(parked.count == 1)
        #expect((parked.first?["last_error"] as String?)?.contains("MSG_SIZE_TOO_LARGE") == true)
        // Readiness shows it (degraded: the service still works) once the publisher looked.
        let shown = try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
            if case .degraded(let reason) = readiness.state(of: "outbox"), reason.contains("parked") { return true }
            return nil
        }
        #expect(shown == true)
        run.cancel()
        _ = try? await run.value

        let reader = try KafkaConsumer(
            configuration: TestBroker.configuration("test-consumer"),
            options: .init(groupId: "it-parking-\(UUID().uuidString.prefix(8))", instanceId: nil, topics: [topic]),
            logger: logger)
        var values: [String] = []
        while values.count < 51, let batch = try await reader.nextBatch(maxMessages: 100) {
            values += batch.map { String(decoding: $0.value, as: UTF8.self) }
        }
        #expect(values == ["first"] + (0..<50).map { "after-\($0)" })
        await reader.close()
        await producer.close()
    }
}

/// A handler whose behaviour the test scripts by value: `poison` is never processable, `flaky-N`
/// fails N times, `always-fails` always throws, `fix-me` fails until the test fixes it.
final class ScriptedHandler: MessageHandler, Sendable {
    private let tries = Mutex<[String: Int]>([:])
    private let fixed = Mutex<Set<String>>([])

    struct Failure: Error {}

    func idempotencyKey(for message: KafkaMessage) -> String { "v:" + (message.keyString ?? "") }

    func attempts(of value: String) -> Int { tries.withLock { $0[value] ?? 0 } }

    func fix(_ value: String) { _ = fixed.withLock { $0.insert(value) } }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let value = String(decoding: message.value, as: UTF8.self)
        let attempt = tries.withLock { tries -> Int in
            tries[value, default: 0] += 1
            return tries[value]!
        }
        try db.execute(sql: "INSERT INTO seen (value) VALUES (?)", arguments: [value])
        if value == "poison" { throw UnprocessableMessage("poison is never processable") }
        if value == "always-fails" { throw Failure() }
        if value == "fix-me", !fixed.withLock({ $0.contains(value) }) { throw UnprocessableMessage("not fixed yet") }
        if value.hasPrefix("flaky-"), let times = Int(value.dropFirst(6)), attempt <= times { throw Failure() }
    }
}

/// Records the value and forwards it to `topic` through the outbox.
struct ForwardingHandler: MessageHandler {
    let topic: String

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        try db.execute(sql: "INSERT INTO seen (value) VALUES (?)", arguments: [String(decoding: message.value, as: UTF8.self)])
        try Outbox.enqueue(db, topic: topic, key: message.keyString ?? "", payload: message.value, now: now)
    }
}
