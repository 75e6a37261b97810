import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import ServiceLifecycle

/// Reads a consumer group's messages one at a time and applies each with a `MessageHandler` in one
/// SQLite transaction together with its processed-message row and outbox rows; only then stores the
/// offset. A message that cannot be processed after retries goes to `<service>.dlq` (through the
/// outbox, in the transaction that marks it processed) and the partition moves on.
public final class ConsumerService: Service, Sendable {
    private let consumer: KafkaConsumer
    private let handler: any MessageHandler
    private let database: any DatabaseWriter
    private let outbox: OutboxPublisher
    private let service: ServiceName
    private let logger: Logger
    private let retryDelays: [Duration]
    private let readiness: Readiness?

    public init(
        consumer: KafkaConsumer, handler: any MessageHandler, database: any DatabaseWriter, outbox: OutboxPublisher,
        service: ServiceName, logger: Logger, readiness: Readiness? = nil,
        retryDelays: [Duration] = [.milliseconds(100), .milliseconds(500), .seconds(2)]
    ) {
        self.consumer = consumer
        self.handler = handler
        self.database = database
        self.outbox = outbox
        self.service = service
        self.logger = logger
        self.readiness = readiness
        self.retryDelays = retryDelays
    }

    public func run() async throws {
        readiness?.set("consumer", ready: true)
        defer { readiness?.set("consumer", ready: false) }
        do {
            for try await message in consumer.cancelOnGracefulShutdown() {
                try await process(message)
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// Applies one message (retrying, then dead-lettering) and stores its offset.
    func process(_ message: KafkaMessage) async throws {
        let outcome = try await apply(message)
        let metadata: Logger.Metadata = [
            "kafka.message": "\(message.coordinates)", "event.id": "\(handler.eventId(of: message) ?? "-")",
        ]
        Counter(label: "minsheng_messages_total", dimensions: [
            ("service", service.rawValue), ("topic", message.topic), ("outcome", outcome.rawValue),
        ]).increment()
        switch outcome {
        case .processed: logger.debug("Message processed", metadata: metadata)
        case .duplicate: logger.debug("Message already processed; skipped", metadata: metadata)
        case .deadLettered: break
        }
        outbox.wake()
        handler.didCommit()
        do {
            try consumer.storeOffset(of: message)
        } catch {
            // The partition was revoked meanwhile; its next owner sees the message again and skips it.
            logger.info("Offset not stored", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    enum Outcome: String { case processed, duplicate, deadLettered = "dead_lettered" }

    private func apply(_ message: KafkaMessage) async throws -> Outcome {
        let key = handler.idempotencyKey(for: message)
        var attempt = 0
        while true {
            do {
                return try await database.write { db in
                    if try Self.alreadyProcessed(db, key: key) { return .duplicate }
                    try self.handler.handle(message, db: db, now: Date())
                    try Self.markProcessed(db, key: key, message: message)
                    return .processed
                }
            } catch let error as UnprocessableMessage {
                return try await deadLetter(message, key: key, reason: error.description, attempts: attempt + 1)
            } catch {
                if Task.isCancelled { throw error }
                guard attempt < retryDelays.count else {
                    // A database that keeps failing is not the message's fault: stop the service (it is
                    // restarted and the message redelivered) rather than dead-letter good messages.
                    if error is DatabaseError { throw error }
                    return try await deadLetter(message, key: key, reason: "\(error)", attempts: attempt + 1)
                }
                logger.info("Message failed; retrying", metadata: [
                    "kafka.message": "\(message.coordinates)", "attempt": "\(attempt + 1)", "error": "\(error)",
                ])
                try await Task.sleep(for: retryDelays[attempt])
                attempt += 1
            }
        }
    }

    private func deadLetter(_ message: KafkaMessage, key: String, reason: String, attempts: Int) async throws -> Outcome {
        let eventId = handler.eventId(of: message)
        logger.error("Message dead-lettered", metadata: [
            "kafka.message": "\(message.coordinates)", "event.id": "\(eventId ?? "-")", "reason": "\(reason)",
        ])
        let letter = DeadLetter(
            eventId: eventId, service: service.rawValue, topic: message.topic, partition: message.partition,
            offset: message.offset, key: message.keyString, reason: reason, attempts: attempts,
            original: message.value, failedAt: Date())
        return try await database.write { [service] db in
            if try Self.alreadyProcessed(db, key: key) { return .duplicate }
            try Outbox.enqueue(
                db, topic: Topics.deadLetter(service: service.rawValue), key: message.keyString ?? message.coordinates,
                message: letter)
            try Self.markProcessed(db, key: key, message: message)
            return .deadLettered
        }
    }

    static func alreadyProcessed(_ db: Database, key: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM processed_message WHERE message_key = ?", arguments: [key]) ?? false
    }

    static func markProcessed(_ db: Database, key: String, message: KafkaMessage) throws {
        try db.execute(
            sql: "INSERT INTO processed_message (message_key, coordinates, processed_at) VALUES (?, ?, ?)",
            arguments: [key, message.coordinates, MessageCoding.formatTimestamp(Date())])
    }
}
