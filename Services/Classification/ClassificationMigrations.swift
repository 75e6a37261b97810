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
        migrator.registerMigration("classification-v2-repeats-and-hotspots") { db in
            try db.execute(sql: """
                ALTER TABLE classified_event ADD COLUMN text TEXT;
                ALTER TABLE classified_event ADD COLUMN duplicate_of TEXT;
                ALTER TABLE classified_event ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
                -- The sliding window repeats and hotspots are found in.
                CREATE TABLE recent_event (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    source TEXT NOT NULL,
                    town TEXT NOT NULL,
                    village TEXT,
                    category TEXT NOT NULL,
                    reporter_key TEXT NOT NULL,
                    shingles BLOB NOT NULL,
                    received_at TEXT NOT NULL,
                    duplicate_of TEXT,
                    hotspot_id TEXT
                );
                CREATE INDEX recent_event_area ON recent_event(town, received_at);
                CREATE INDEX recent_event_time ON recent_event(received_at);
                CREATE TABLE hotspot (
                    alert_id TEXT PRIMARY KEY NOT NULL,
                    town TEXT NOT NULL,
                    category TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    detected_at TEXT NOT NULL
                );
                """)
        }
    }
}
