import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Dispatch's one consumer over its two co-partitioned inputs: classified events (new orders and
/// repeats) and commands (the API's writes), both keyed by the matter, so that the owner of partition
/// p decides everything about the orders of p.
struct DispatchInputHandler: MessageHandler {
    let events: ClassifiedEventHandler
    let commands: CommandHandler
    /// Called after each commit: wakes the deadline watcher for new timers.
    var onCommit: @Sendable () -> Void = {}

    func idempotencyKey(for message: KafkaMessage) -> String {
        message.topic == Topics.dispatchCommands ? commands.idempotencyKey(for: message) : events.idempotencyKey(for: message)
    }

    func eventId(of message: KafkaMessage) -> String? {
        message.topic == Topics.dispatchCommands ? commands.eventId(of: message) : events.eventId(of: message)
    }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        if message.topic == Topics.dispatchCommands {
            try commands.handle(message, db: db, now: now)
        } else {
            try events.handle(message, db: db, now: now)
        }
    }

    func didCommit() { onCommit() }
}
