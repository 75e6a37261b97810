import GRDB

/// Classification's own tables. Never edit a shipped migration; add a new one.
enum ClassificationMigrations {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("classification-v1") { db in
            try db.execute(sql: """
                CREATE TABLE classified_event (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    source TEXT NOT NULL,
                    source_id TEXT NOT NULL,
                    category TEXT NOT NULL,
                    level TEXT NOT NULL,
                    police INTEGER NOT NULL,
                    shuangfei INTEGER NOT NULL,
                    town TEXT,
                    village TEXT,
                    grid TEXT,
                    confidence REAL NOT NULL,
                    explanation TEXT NOT NULL,
                    classified_at TEXT NOT NULL
                );
                CREATE INDEX classified_event_time ON classified_event(classified_at);
                """)
        }
    }
}
