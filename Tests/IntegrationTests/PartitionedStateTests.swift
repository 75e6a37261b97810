import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import Synchronization
import Testing
@testable import MinshengPlatform

/// State partitioned the Kafka Streams way, on a toy service: a count per key, kept by whoever owns the
/// key's partition and written to a changelog. A new instance with an empty disk that takes the
/// partitions over restores the counts before it counts on.
@Suite("Partitioned state: changelog, restore on assignment, hand-over", .enabled(if: TestBroker.enabled), .serialized)
struct PartitionedStateTests {
    let logger = Logger(label: "test")


    /// One instance of the toy service: its own database, consumer loop, publisher and restore reader.
    final class Instance: Sendable {
        let database: ServiceDatabase
        let loop: ConsumerService
        let publisher: OutboxPublisher
        let producer: KafkaProducer
        let tasks: Mutex<[Task<Void, any Error>]> = Mutex([])

        init(name: String, topic: String, group: String, configuration: (String) throws -> KafkaConfiguration, logger: Logger) throws {
            database = try ServiceDatabase.inMemory { migrator in
                migrator.registerMigration("counter") { db in
                    try db.execute(sql: "CREATE TABLE counter (key TEXT PRIMARY KEY, count INTEGER NOT NULL, partition INTEGER NOT NULL)")
                }
            }
            producer = try KafkaProducer(configuration: TestBroker.configuration("\(name)-producer"), logger: logger)
            publisher = OutboxPublisher(database: database.writer, producer: producer, service: .classification, logger: logger)
            let consumer = try KafkaConsumer(
                configuration: TestBroker.configuration("\(name)-consumer"),
                options: .init(groupId: group, instanceId: nil, topics: [topic]), logger: logger)
            let state = CounterState(topic: topic)
            loop = ConsumerService(
                consumer: consumer, handler: CounterHandler(state: state), database: database.writer, outbox: publisher,
                service: .classification, logger: logger, state: state,
                stateReader: try KafkaPartitionReader(configuration: TestBroker.configuration("\(name)-reader"), name: name, logger: logger))
        }

        func start() {
            let publisher = publisher
            let loop = loop
            tasks.withLock { $0 = [Task { try await publisher.run() }, Task { try await loop.run() }] }
        }

        /// Stops consuming (leaving the group), then the publisher and the producer.
        func stop() async {
            let running = tasks.withLock { $0 }
            running[1].cancel()
            _ = try? await running[1].value
            running[0].cancel()
            _ = try? await running[0].value
            await producer.close()
        }

        func counts() throws -> [String: Int] {
            try database.writer.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, count FROM counter").map { ($0["key"], $0["count"]) })
            }
        }
    }

    func publish(_ keys: [String], to topic: String) async throws {
        let producer = try KafkaProducer(configuration: TestBroker.configuration("feeder"), logger: logger)
        for result in await producer.send(keys.map { OutgoingMessage(topic: topic, key: $0, value: Array($0.utf8)) }) {
            _ = try result.get()
        }
        await producer.close()
    }

    @Test func aNewInstanceWithAnEmptyDiskRestoresThePartitionsItTakesOver() async throws {
        let topic = TestBroker.uniqueTopic("counted")
        try await KafkaAdmin.ensureTopics([topic, topic + ".changelog"], partitions: 2, configuration: TestBroker.configuration("admin"))
        let group = "it-counter-\(UUID().uuidString.prefix(8))"
        let keys = (0..<10).map { "k\($0)" }
        let first = (0..<100).map { keys[$0 % keys.count] }
        try await publish(first, to: topic)

        let a = try Instance(name: "a", topic: topic, group: group, configuration: TestBroker.configuration, logger: logger)
        a.start()
        let counted = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            try a.counts().values.reduce(0, +) == 100 ? true : nil
        }
        #expect(counted == true)
        #expect(try a.counts() == Dictionary(uniqueKeysWithValues: keys.map { ($0, 10) }))
        await a.stop()

        // B has never seen anything: it restores both partitions from the changelog, then counts on.
        let b = try Instance(name: "b", topic: topic, group: group, configuration: TestBroker.configuration, logger: logger)
        b.start()
        try await publish(keys, to: topic)
        let continued = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            try b.counts().values.reduce(0, +) == 110 ? true : nil
        }
        #expect(continued == true, "b counted \((try? b.counts()) ?? [:])")
        #expect(try b.counts() == Dictionary(uniqueKeysWithValues: keys.map { ($0, 11) }))
        #expect(b.loop.ownership.owned == [0, 1])
        await b.stop()
    }

    @Test func twoInstancesSplitThePartitionsAndTheSurvivorTakesTheOtherHalfOver() async throws {
        let topic = TestBroker.uniqueTopic("split")
        try await KafkaAdmin.ensureTopics([topic, topic + ".changelog"], partitions: 4, configuration: TestBroker.configuration("admin"))
        let group = "it-split-\(UUID().uuidString.prefix(8))"
        let keys = (0..<20).map { "key-\($0)" }
        let a = try Instance(name: "a", topic: topic, group: group, configuration: TestBroker.configuration, logger: logger)
        let b = try Instance(name: "b", topic: topic, group: group, configuration: TestBroker.configuration, logger: logger)
        a.start()
        b.start()
        _ = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            a.loop.ownership.owned.count + b.loop.ownership.owned.count == 4 && !a.loop.ownership.owned.isEmpty
                && !b.loop.ownership.owned.isEmpty ? true : nil
        }
        try await publish((0..<200).map { keys[$0 % keys.count] }, to: topic)
        let split = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            try a.counts().values.reduce(0, +) + b.counts().values.reduce(0, +) == 200 ? true : nil
        }
        #expect(split == true)
        // Each key was counted by one instance only.
        #expect(Set(try a.counts().keys).isDisjoint(with: try b.counts().keys))
        await a.stop()
        // B takes A's partitions over, restores A's counts, and counts on for every key.
        try await publish(keys, to: topic)
        let all = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            try b.counts().count == 20 && b.counts().values.allSatisfy { $0 == 11 } ? true : nil
        }
        #expect(all == true, "b counted \((try? b.counts()) ?? [:])")
        #expect(b.loop.ownership.owned == [0, 1, 2, 3])
        await b.stop()
    }

    /// Workers acting on owned partitions are told before the partitions go, with the state partitions
    /// only, whether librdkafka calls the revocation an ordinary one or says the partitions are lost: the
    /// local broker makes a member's revocation in an eager rebalance look lost, and a worker skipped
    /// there let the next owner send again what was under way (NotificationScaleTests).
    @Test func workersAreToldBeforePartitionsGoAlsoWhenTheyAreLost() async throws {
        let topic = TestBroker.uniqueTopic("giving-up")
        let database = try ServiceDatabase.inMemory { _ in }
        let producer = try KafkaProducer(configuration: TestBroker.configuration("g-producer"), logger: logger)
        let consumer = try KafkaConsumer(configuration: TestBroker.configuration("g-consumer"),
                                         options: .init(groupId: "it-giving-up", instanceId: nil, topics: [topic]), logger: logger)
        let loop = ConsumerService(
            consumer: consumer, handler: CounterHandler(state: CounterState(topic: topic)), database: database.writer,
            outbox: OutboxPublisher(database: database.writer, producer: producer, service: .classification, logger: logger),
            service: .classification, logger: logger, state: CounterState(topic: topic))
        let ownership = loop.ownership
        let told = Mutex<[Set<Int32>]>([])
        ownership.beforeGivingUp { partitions in told.withLock { $0.append(partitions) } }
        ownership.partitionsRevoked([TopicPartition(topic: topic, partition: 1), TopicPartition(topic: "elsewhere", partition: 0)],
                                    lost: true, consumer: consumer)
        ownership.partitionsRevoked([TopicPartition(topic: topic, partition: 0)], lost: false, consumer: consumer)
        ownership.partitionsRevoked([TopicPartition(topic: "elsewhere", partition: 3)], lost: true, consumer: consumer)
        #expect(told.withLock { $0 } == [[1], [0]])
        await consumer.close()
        await producer.close()
    }
}

/// The toy state: a count per key; the changelog record is the key's count (its own version).
struct CounterState: PartitionedState {
    let topic: String
    var inputTopics: Set<String> { [topic] }
    var changelogTopic: String { topic + ".changelog" }

    struct Record: Codable { var key: String; var count: Int }

    func restore(_ record: KafkaMessage, db: Database) throws {
        let value = try MessageCoding.decoder().decode(Record.self, from: Data(record.value))
        try db.execute(sql: """
            INSERT INTO counter (key, count, partition) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET count = MAX(count, excluded.count), partition = excluded.partition
            """, arguments: [value.key, value.count, record.partition])
    }
}

struct CounterHandler: MessageHandler {
    let state: CounterState

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let key = message.keyString ?? ""
        try db.execute(sql: """
            INSERT INTO counter (key, count, partition) VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET count = count + 1
            """, arguments: [key, message.partition])
        let count = try Int.fetchOne(db, sql: "SELECT count FROM counter WHERE key = ?", arguments: [key]) ?? 0
        try Changelog.record(db, topic: state.changelogTopic, partition: message.partition, key: key,
                             value: CounterState.Record(key: key, count: count), now: now)
    }
}
