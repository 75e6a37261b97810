import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// The owner's side of `dispatch.commands`: applies each command to the orders of the partition it
/// owns and answers on `dispatch.replies`, keyed by the instance that waits with the caller.
struct CommandHandler: MessageHandler {
    let applier: CommandApplier

    func idempotencyKey(for message: KafkaMessage) -> String {
        "command:" + ((try? MessageCoding.decode(CommandReference.self, from: message.value))?.commandId ?? message.coordinates)
    }

    func eventId(of message: KafkaMessage) -> String? { message.keyString }

    private struct CommandReference: Decodable { var commandId: String }

    func handle(_ message: KafkaMessage, db: Database, now: Date) throws {
        let command = try message.decode(WorkOrderCommand.self)
        let reply = try applier.apply(command, partition: message.partition, db: db, now: now)
        guard let replyTo = command.replyTo else { return }
        try Outbox.enqueueReply(db, topic: Topics.dispatchReplies, key: replyTo.instanceId, message: reply, now: now)
    }
}
