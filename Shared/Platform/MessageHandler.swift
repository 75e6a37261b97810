import Foundation
import GRDB
import MinshengKafka
import MinshengModel

/// What a service does with one message it consumes. `handle` runs inside the write transaction that
/// also records the message as processed, so its effects (business rows and outbox rows) and the
/// "processed" mark commit together or not at all.
public protocol MessageHandler: Sendable {
    /// The identity that makes a redelivery a no-op. Defaults to the message's topic/partition/offset;
    /// handlers whose messages may be re-published (outbox resends) use the id of the thing they carry.
    func idempotencyKey(for message: KafkaMessage) -> String

    /// The event the message is about, for logs and dead letters, if it can be read.
    func eventId(of message: KafkaMessage) -> String?

    /// Applies the message. Throw `UnprocessableMessage` for a message that can never succeed (it goes
    /// to the dead-letter topic at once); any other error is retried, then dead-lettered.
    func handle(_ message: KafkaMessage, db: Database, now: Date) throws

    /// Called after the transaction that applied a message committed (to wake a worker, say).
    func didCommit()
}

extension MessageHandler {
    public func idempotencyKey(for message: KafkaMessage) -> String { message.coordinates }
    public func eventId(of message: KafkaMessage) -> String? { message.keyString }
    public func didCommit() {}
}

/// A message that will never be processable (wrong schema, unknown version): dead-letter it at once.
public struct UnprocessableMessage: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension KafkaMessage {
    /// The message's value as `type`; a value that does not decode, or whose schema version this code
    /// does not know, is `UnprocessableMessage` (dead-lettered, never retried).
    public func decode<T: VersionedMessage>(_ type: T.Type) throws -> T {
        let value: T
        do {
            value = try MessageCoding.decode(type, from: self.value)
        } catch {
            throw UnprocessableMessage("not a \(topic) v\(T.currentSchemaVersion) message: \(error)")
        }
        guard value.schemaVersion == T.currentSchemaVersion else {
            throw UnprocessableMessage("\(topic) schemaVersion \(value.schemaVersion) is not supported")
        }
        return value
    }
}
