import Foundation
import GRDB
import Logging
import MinshengModel
import ServiceLifecycle

/// What a table keeps: rows whose `timeColumn` (a shared-coding timestamp) is older than `period` go,
/// when `condition` (SQL, optional) also holds. `keyColumn` identifies a row for chunked deletes.
public struct RetentionRule: Sendable {
    public var table: String
    public var keyColumn: String
    public var timeColumn: String
    public var condition: String?
    public var period: Duration

    public init(table: String, keyColumn: String = "rowid", timeColumn: String, condition: String? = nil, period: Duration) {
        self.table = table
        self.keyColumn = keyColumn
        self.timeColumn = timeColumn
        self.condition = condition
        self.period = period
    }

    /// Idempotency keys of consumed messages (every service).
    public static func processedMessages(_ settings: ProcessingSettings) -> RetentionRule {
        RetentionRule(table: "processed_message", keyColumn: "message_key", timeColumn: "processed_at",
                      period: settings.processedRetention)
    }

    /// Published outbox rows (every service).
    public static func sentOutbox(_ settings: ProcessingSettings) -> RetentionRule {
        RetentionRule(table: "outbox", keyColumn: "id", timeColumn: "sent_at", condition: "sent_at IS NOT NULL",
                      period: settings.sentRetention)
    }
}

/// Deletes what the retention rules say has been kept long enough, in small transactions (5,000 rows
/// each) so it never holds the writer for long: a minute after start-up, then every `interval`.
public struct RetentionSweeper: Service {
    let database: any DatabaseWriter
    let rules: [RetentionRule]
    let logger: Logger
    var interval: Duration = .seconds(600)
    var firstRunAfter: Duration = .seconds(60)

    public init(database: any DatabaseWriter, rules: [RetentionRule], logger: Logger) {
        self.database = database
        self.rules = rules
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: firstRunAfter) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await sweep(now: Date())
            } catch {
                logger.warning("Retention sweep failed; trying again later", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Applies every rule once; returns the rows deleted per table.
    @discardableResult
    public func sweep(now: Date) async throws -> [String: Int] {
        var deletedByTable: [String: Int] = [:]
        for rule in rules {
            let cutoff = MessageCoding.formatTimestamp(now.addingTimeInterval(-Double(rule.period.components.seconds)))
            let condition = rule.condition.map { " AND (\($0))" } ?? ""
            let sql = """
                DELETE FROM \(rule.table) WHERE \(rule.keyColumn) IN (
                    SELECT \(rule.keyColumn) FROM \(rule.table) WHERE \(rule.timeColumn) < ?\(condition) LIMIT 5000)
                """
            var total = 0
            while !Task.isShuttingDownGracefully {
                let deleted = try await database.write { db in
                    try db.execute(sql: sql, arguments: [cutoff])
                    return db.changesCount
                }
                total += deleted
                if deleted < 5000 { break }
            }
            if total > 0 {
                deletedByTable[rule.table, default: 0] += total
                logger.info("Old rows deleted", metadata: ["table": "\(rule.table)", "rows": "\(total)"])
            }
        }
        return deletedByTable
    }
}
