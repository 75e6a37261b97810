import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Classification's consumer: `events.accepted` goes through the stateless step (any instance),
/// `classification.bytown` through the owner of the town's partition (docs/scaling.md).
struct ClassificationHandler: MessageHandler {
    let accepted: AcceptedEventHandler
    let window: TownWindowHandler

    /// One classification per accepted event, however often it is delivered. A report on
    /// `classification.bytown` is skipped by where it sits; the same report published again (its event
    /// classified again by another instance around a hand-over) is recognised by the owner's window.
    func idempotencyKey(for message: KafkaMessage) -> String {
        if message.topic == Topics.classificationByTown { return "bytown:" + message.coordinates }
        return "accepted:" + (message.keyString ?? message.coordinates)
    }

    func eventId(of message: KafkaMessage) -> String? {
        message.topic == Topics.classificationByTown ? try? message.decode(TownReport.self).accepted.eventId : message.keyString
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        if message.topic == Topics.classificationByTown {
            try window.handle(message, db: db, now: now)
        } else {
            try accepted.handle(message, db: db, now: now)
        }
        // Every instance sweeps its own rows, whether it owns a partition or not.
        try window.retention.sweepIfDue(now: now, db: db)
    }

    /// Both steps for one accepted event in the caller's transaction, as an instance that owns every
    /// partition would run them: the stateless step, then the owner step on the report it handed on (read
    /// back from the outbox). For the benchmark and the tests of the window.
    func handleBothSteps(_ message: KafkaMessage, db: Database, now: Date) throws {
        let before = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM outbox") ?? 0
        try accepted.handle(message, db: db, now: now)
        let handedOn = try Row.fetchAll(db, sql: "SELECT message_key, payload FROM outbox WHERE id > ? AND topic = ? ORDER BY id",
                                        arguments: [before, Topics.classificationByTown])
        for row in handedOn {
            let key: String = row["message_key"]
            try window.handle(KafkaMessage(topic: Topics.classificationByTown, partition: 0, offset: 0, key: Array(key.utf8),
                                           value: Array(row["payload"] as Data)), db: db, now: now)
        }
        try window.retention.sweepIfDue(now: now, db: db)
    }
}
