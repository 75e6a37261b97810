import Foundation
import GRDB
import Logging
import Metrics
import MinshengKafka
import MinshengModel
import ServiceLifecycle
import Synchronization

/// Publishes the outbox in order, marking each row sent when its delivery report arrives. Rows whose
/// delivery failed stay unsent and are tried again, so a crash anywhere between the business commit and
/// the broker's acknowledgement publishes on the next start (at least once; consumers de-duplicate).
public final class OutboxPublisher: Service, Sendable {
    private let database: any DatabaseWriter
    private let producer: KafkaProducer
    private let logger: Logger
    private let batchSize: Int
    private let idleInterval: Duration
    private let wakeUps = WakeSignal()
    private let published: Counter
    private let failures: Counter

    public init(
        database: any DatabaseWriter, producer: KafkaProducer, service: ServiceName, logger: Logger,
        batchSize: Int = 200, idleInterval: Duration = .seconds(1)
    ) {
        self.database = database
        self.producer = producer
        self.logger = logger
        self.batchSize = batchSize
        self.idleInterval = idleInterval
        published = Counter(label: "minsheng_outbox_published_total", dimensions: [("service", service.rawValue)])
        failures = Counter(label: "minsheng_outbox_failures_total", dimensions: [("service", service.rawValue)])
    }

    /// Tells the publisher there is something new (call after a transaction that enqueued).
    public func wake() { wakeUps.signal() }

    public func run() async throws {
        var backoff = Duration.milliseconds(200)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let outcome = try await publishBatch()
            switch outcome {
            case .published(let count, let more):
                backoff = .milliseconds(200)
                if more || count > 0 { continue }
            case .failed:
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(10))
                continue
            case .empty:
                break
            }
            // Nothing to do: wait for a wake-up, the idle interval (rows written by another process
            // or left by a failed attempt), or shutdown.
            await wakeUps.wait(timeout: idleInterval)
        }
        // Last chance for what the final messages produced (the producer stops after this service).
        _ = try? await publishBatch()
    }

    enum BatchOutcome { case empty, published(Int, more: Bool), failed }

    /// Publishes up to `batchSize` unsent rows, oldest first.
    func publishBatch() async throws -> BatchOutcome {
        let batchSize = batchSize
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, topic, message_key, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?
                """, arguments: [batchSize])
        }
        guard !rows.isEmpty else { return .empty }
        let ids: [Int64] = rows.map { $0["id"] }
        let messages = rows.map { row in
            OutgoingMessage(topic: row["topic"], key: row["message_key"] as String, value: Array(row["payload"] as Data))
        }
        let results = await producer.send(messages)
        let now = MessageCoding.formatTimestamp(Date())
        let sent = results.filter { if case .success = $0 { true } else { false } }.count
        let firstError = results.lazy.compactMap { if case .failure(let error) = $0 { error } else { nil } }.first
        try await database.write { db in
            for (id, result) in zip(ids, results) {
                switch result {
                case .success(let report):
                    try db.execute(
                        sql: "UPDATE outbox SET sent_at = ?, kafka_partition = ?, kafka_offset = ?, attempts = attempts + 1 WHERE id = ?",
                        arguments: [now, report.partition, report.offset, id])
                case .failure(let error):
                    try db.execute(
                        sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                        arguments: [error.message, id])
                }
            }
            // Keep a day of sent rows for inspection.
            try db.execute(
                sql: "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?",
                arguments: [MessageCoding.formatTimestamp(Date().addingTimeInterval(-86_400))])
        }
        published.increment(by: sent)
        if let firstError {
            failures.increment(by: results.count - sent)
            if firstError.isFatal { throw firstError }
            logger.warning("Outbox publish failed; will retry", metadata: [
                "outbox.failed": "\(results.count - sent)", "kafka.error": "\(firstError)",
            ])
            return sent > 0 ? .published(sent, more: true) : .failed
        }
        return .published(sent, more: rows.count == batchSize)
    }
}
