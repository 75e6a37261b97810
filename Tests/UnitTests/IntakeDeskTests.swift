import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengIntake

@Suite("Intake desk")
struct IntakeDeskTests {
    let database = try! ServiceDatabase.inMemory(migrations: IntakeMigrations.register)
    let desk = IntakeDesk(logger: Logger(label: "test"))
    let now = Date(timeIntervalSince1970: 1_795_398_100)

    func receive(_ json: String, source: Source = .hotline12345) throws -> IntakeDesk.Outcome {
        try database.writer.write { db in try desk.receive(Array(json.utf8), source: source, origin: "test", db: db, now: now) }
    }

    func outbox() throws -> [(topic: String, key: String, payload: [UInt8])] {
        try database.writer.read { db in
            // What the desk publishes (its changelog records are checked on their own).
            try Row.fetchAll(db, sql: "SELECT topic, message_key, payload FROM outbox WHERE topic != 'intake.events.changelog' ORDER BY id").map {
                ($0["topic"], $0["message_key"], Array($0["payload"] as Data))
            }
        }
    }

    @Test func anAcceptedEventIsRecordedAndQueuedForEventsAccepted() throws {
        let outcome = try receive(#"{"id":"12345-1","occurredAt":"2026-11-23T09:41:00+08:00","text":"路灯不亮","address":"三港路"}"#)
        guard case .accepted(let eventId) = outcome else {
            Issue.record("not accepted: \(outcome)")
            return
        }
        let rows = try outbox()
        #expect(rows.count == 1)
        #expect(rows[0].topic == Topics.eventsAccepted)
        #expect(rows[0].key == eventId)
        let message = try MessageCoding.decode(AcceptedEvent.self, from: rows[0].payload)
        #expect(message.eventId == eventId)
        #expect(message.source == .hotline12345)
        #expect(message.sourceId == "12345-1")
        #expect(message.text == "路灯不亮")
        #expect(message.receivedAt == now)
    }

    @Test func aRepeatOfTheSameSourceAndIdPublishesNothingNew() throws {
        let json = #"{"id":"110-9","occurredAt":"2026-11-23T09:41:00Z","text":"楼上太吵"}"#
        let first = try receive(json, source: .police110)
        let second = try receive(json, source: .police110)
        let changed = try receive(#"{"id":"110-9","occurredAt":"2026-11-23T09:41:00Z","text":"楼上太吵了!"}"#, source: .police110)
        guard case .accepted(let id) = first else {
            Issue.record("first not accepted")
            return
        }
        #expect(second == .duplicate(eventId: id))
        #expect(changed == .duplicate(eventId: id))
        #expect(try outbox().count == 1)
        // The same id from another source is another event.
        guard case .accepted = try receive(json, source: .hotline12345) else {
            Issue.record("same id from another source was not accepted")
            return
        }
    }

    @Test func aRefusalGoesToEventsRejectedWithTheOriginalBytes() throws {
        let json = #"{"id":"g-1","occurredAt":"soon","text":"井盖丢了"}"#
        guard case .rejected(let rejected) = try receive(json, source: .grid) else {
            Issue.record("not rejected")
            return
        }
        #expect(rejected.reason == "invalid_field")
        #expect(rejected.field == "occurredAt")
        #expect(rejected.sourceId == "g-1")
        let rows = try outbox()
        #expect(rows.map(\.topic) == [Topics.eventsRejected])
        #expect(rows[0].key == "g-1")
        let message = try MessageCoding.decode(RejectedEvent.self, from: rows[0].payload)
        #expect(Data(base64Encoded: message.originalBase64) == Data(json.utf8))
        let stored = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejection") }
        #expect(stored == 1)
    }

    @Test func garbageIsRejectedAndKeyedByOrigin() throws {
        guard case .rejected(let rejected) = try receive("not json at all") else {
            Issue.record("not rejected")
            return
        }
        #expect(rejected.reason == "malformed_json")
        #expect(try outbox()[0].key == "test")
    }

    @Test func aHugeRefusalEmbedsAPrefixItsLengthAndHashAndStaysPublishable() throws {
        let huge = #"{"id":"12345-big","occurredAt":"2026-11-23T09:41:00+08:00","text":""# + String(repeating: "很", count: 250_000) + #""}"#
        let bytes = Array(huge.utf8)
        #expect(bytes.count > 700_000)
        let outcome = try database.writer.write { db in
            try desk.receive(bytes, source: .hotline12345, origin: "kafka:intake.hotline12345/0/7", senderKey: "sender-key-7",
                             db: db, now: now)
        }
        guard case .rejected(let rejected) = outcome else {
            Issue.record("not rejected: \(outcome)")
            return
        }
        #expect(rejected.reason == "too_large")
        #expect(rejected.originalTruncated == true)
        #expect(rejected.originalBytes == bytes.count)
        #expect(rejected.originalSha256 == EmbeddedOriginal(bytes, limit: 0).sha256)
        #expect(Data(base64Encoded: rejected.originalBase64) == Data(bytes.prefix(EmbeddedOriginal.rejectionLimit)))
        #expect(rejected.originalKey == "sender-key-7")
        let row = try #require(try outbox().first)
        #expect(row.payload.count < 100_000, "the rejection must stay far below the producer's 1 MB")
        // No id could be read: keyed by the sender's own key, so it can match the refusal.
        #expect(row.key == "sender-key-7")
    }

    @Test func theInboundIdempotencyKeyIsThePlaceAndTheBytes() {
        let handler = InboundMessageHandler(desk: desk)
        let first = KafkaMessage(topic: "intake.web", partition: 0, offset: 5, key: Array("k".utf8), value: Array("{\"a\":1}".utf8))
        var sameBytesElsewhere = first
        sameBytesElsewhere.offset = 900
        var otherBytesSamePlace = first
        otherBytesSamePlace.value = Array("{\"a\":2}".utf8)
        // A redelivery is skipped; a new message at a reused offset (a recreated topic) is not, and a
        // re-publish goes to the desk (which drops it by source and id, and counts it).
        #expect(handler.idempotencyKey(for: first) == handler.idempotencyKey(for: first))
        #expect(handler.idempotencyKey(for: first) != handler.idempotencyKey(for: otherBytesSamePlace))
        #expect(handler.idempotencyKey(for: first) != handler.idempotencyKey(for: sameBytesElsewhere))
    }

    @Test func theSameReportGetsTheSameIdWhereverItIsDecidedAndTheChangelogRecordsIt() throws {
        let json = #"{"id":"12345-9","occurredAt":"2026-11-23T09:41:00+08:00","text":"路灯不亮"}"#
        guard case .accepted(let first) = try receive(json) else {
            Issue.record("not accepted")
            return
        }
        // Another instance (another database) deciding the same request derives the same id.
        let other = try ServiceDatabase.inMemory(migrations: IntakeMigrations.register)
        let again = try other.writer.write { db in try desk.receive(Array(json.utf8), source: .hotline12345, origin: "elsewhere", db: db, now: now) }
        #expect(again == .accepted(eventId: first))
        // The same id at another time is another report: another event id.
        #expect(StableId.event(source: .hotline12345, sourceId: "12345-9", occurredAt: now) != first)
        let records = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT message_key, payload, target_partition FROM outbox WHERE topic = 'intake.events.changelog'")
        }
        #expect(records.count == 1)
        #expect(records.first?["message_key"] == "hotline12345/12345-9")
        let record = try MessageCoding.decode(IntakeEventRecord.self, from: Array(try #require(records.first)["payload"] as Data))
        #expect(record.eventId == first)
    }

    @Test func aRestoredPartitionKnowsItsIdsAndARecordTwiceChangesNothing() throws {
        let restored = try ServiceDatabase.inMemory(migrations: IntakeMigrations.register)
        let record = IntakeEventRecord(source: .web, sourceId: "w-1", eventId: "ev-x", contentHash: "abc", origin: "kafka:intake.web/0/1",
                                       receivedAt: now)
        let message = KafkaMessage(topic: Topics.intakeEventsChangelog, partition: 4, offset: 0, key: Array("web/w-1".utf8),
                                   value: try MessageCoding.encode(record))
        try restored.writer.write { db in
            try IntakeState().restore(message, db: db)
            try IntakeState().restore(message, db: db)
        }
        let json = #"{"id":"w-1","occurredAt":"2026-11-23T09:41:00+08:00","text":"又来了"}"#
        let outcome = try restored.writer.write { db in try desk.receive(Array(json.utf8), source: .web, origin: "test", db: db, now: now) }
        #expect(outcome == .duplicate(eventId: "ev-x"))
        #expect(try restored.writer.read { db in try Int.fetchOne(db, sql: "SELECT partition FROM event") } == 4)
    }
}
