import Foundation
import GRDB

/// A service's own SQLite database: one `DatabasePool` (WAL) in the service's data directory, with the
/// tables every service shares (processed messages, outbox) and the service's own migrations.
public struct ServiceDatabase: Sendable {
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) `<directory>/<service>.sqlite` and migrates it.
    /// - Parameter maximumMegabytes: the database file may not grow beyond this (`MINSHENG_DB_MAX_MB`):
    ///   writes that would need more fail as if the disk were full, and the service holds its input back
    ///   until old rows are deleted (the retention sweeper frees pages) or the limit is raised.
    public static func open(
        directory: String, service: ServiceName, maximumMegabytes: Int? = nil,
        migrations: (inout DatabaseMigrator) -> Void
    ) throws -> ServiceDatabase {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError("MINSHENG_DATA_DIR=\(directory): cannot create the directory: \(error.localizedDescription)")
        }
        let pool = try DatabasePool(
            path: "\(directory)/\(service.rawValue).sqlite", configuration: configuration(maximumMegabytes: maximumMegabytes))
        return try ServiceDatabase(writer: pool, migrations: migrations)
    }

    /// An in-memory database with the same schema, for tests.
    public static func inMemory(migrations: (inout DatabaseMigrator) -> Void) throws -> ServiceDatabase {
        try ServiceDatabase(writer: DatabaseQueue(configuration: configuration()), migrations: migrations)
    }

    private init(writer: any DatabaseWriter, migrations: (inout DatabaseMigrator) -> Void) throws {
        var migrator = DatabaseMigrator()
        Self.registerSharedMigrations(&migrator)
        migrations(&migrator)
        try migrator.migrate(writer)
        self.writer = writer
    }

    private static func configuration(maximumMegabytes: Int? = nil) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            if let maximumMegabytes {
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(1, maximumMegabytes * 1_048_576 / pageSize))")
            }
            // What a commit acknowledges (an HTTP 202, a stored offset, a version number handed on) must
            // survive a power loss: FULL syncs the WAL at every commit. Batching keeps the cost per
            // message small (docs/benchmarks.md).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    private static func registerSharedMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("shared-v1-processed-and-outbox") { db in
            // Messages already handled, written in the same transaction as their effect.
            try db.execute(sql: """
                CREATE TABLE processed_message (
                    message_key TEXT PRIMARY KEY NOT NULL,
                    coordinates TEXT NOT NULL,
                    processed_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    topic TEXT NOT NULL,
                    message_key TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    created_at TEXT NOT NULL,
                    sent_at TEXT,
                    kafka_partition INTEGER,
                    kafka_offset INTEGER,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT
                );
                CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL;
                """)
        }
        migrator.registerMigration("shared-v2-outbox-parking-and-retention") { db in
            // Parked rows: undeliverable as they are (too large, unknown topic, not authorised); set aside
            // so they block nothing. Indexes for the publisher's cursor and for pruning by age.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN parked_at TEXT;
                ALTER TABLE outbox ADD COLUMN park_curable INTEGER NOT NULL DEFAULT 0;
                DROP INDEX outbox_unsent;
                CREATE INDEX outbox_pending ON outbox(id) WHERE sent_at IS NULL AND parked_at IS NULL;
                CREATE INDEX outbox_sent_at ON outbox(sent_at) WHERE sent_at IS NOT NULL;
                CREATE INDEX processed_message_at ON processed_message(processed_at);
                """)
        }
        migrator.registerMigration("shared-v3-outbox-partition") { db in
            // A row may name its partition (changelog records go to the partition of their state).
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN target_partition INTEGER")
        }
        migrator.registerMigration("shared-v4-changelog-position") { db in
            // How far the local copy of each changelog partition goes (partitioned state).
            try db.execute(sql: """
                CREATE TABLE changelog_position (
                    topic TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    next_offset INTEGER NOT NULL,
                    PRIMARY KEY (topic, partition)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("shared-v5-outbox-replies") { db in
            // A reply to a waiting caller is published only once every row written before it is in Kafka.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN is_reply INTEGER NOT NULL DEFAULT 0")
        }
    }
}
