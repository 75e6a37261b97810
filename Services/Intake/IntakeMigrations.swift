import GRDB

/// Intake's own tables. Never edit a shipped migration; add a new one.
enum IntakeMigrations {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-v1") { db in
            try db.execute(sql: """
                CREATE TABLE event (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    source TEXT NOT NULL,
                    source_id TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    payload_hash TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    repeats INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (source, source_id)
                );
                CREATE TABLE rejection (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    rejection_id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    source_id TEXT,
                    origin TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    field TEXT,
                    message TEXT NOT NULL,
                    original BLOB NOT NULL,
                    rejected_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("intake-v2-partitions") { db in
            // The partition of intake.requests each (source, id) belongs to (its owner's state).
            try db.execute(sql: "ALTER TABLE event ADD COLUMN partition INTEGER")
        }
    }
}
