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
        migrator.registerMigration("classification-v3-matters-signatures-retention") { db in
            try db.execute(sql: """
                -- Reports keep when they occurred, the matter they belong to (its first report is the one
                -- that occurred first) and their similarity signature (NULL until signed: the service signs
                -- rows without one at start-up from classified_event.text).
                CREATE TABLE recent_event_v3 (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    source TEXT NOT NULL,
                    town TEXT NOT NULL,
                    village TEXT,
                    category TEXT NOT NULL,
                    reporter_key TEXT NOT NULL,
                    occurred_at TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    matter_id TEXT NOT NULL,
                    duplicate_of TEXT,
                    hotspot_id TEXT,
                    signature BLOB,
                    signature_version TEXT
                );
                INSERT INTO recent_event_v3 (event_id, source, town, village, category, reporter_key, occurred_at,
                    received_at, matter_id, duplicate_of, hotspot_id)
                SELECT event_id, source, town, village, category, reporter_key, received_at, received_at,
                    COALESCE(duplicate_of, event_id), duplicate_of, hotspot_id
                FROM recent_event;
                DROP TABLE recent_event;
                ALTER TABLE recent_event_v3 RENAME TO recent_event;
                CREATE INDEX recent_event_area ON recent_event(town, received_at);
                CREATE INDEX recent_event_time ON recent_event(received_at);
                CREATE INDEX recent_event_matter ON recent_event(matter_id, occurred_at, event_id);
                CREATE INDEX recent_event_hotspot ON recent_event(hotspot_id, occurred_at, event_id);
                -- A hotspot that grows is published again: its latest revision is kept.
                ALTER TABLE hotspot ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE hotspot ADD COLUMN updated_at TEXT;
                -- Hashes of the distinct reporters (never the phone numbers themselves), JSON array.
                ALTER TABLE hotspot ADD COLUMN reporter_hashes TEXT NOT NULL DEFAULT '[]';
                UPDATE hotspot SET updated_at = detected_at;
                CREATE INDEX hotspot_updated ON hotspot(updated_at);
                """)
        }
        // A growing hotspot is published on a schedule (Hotspots.publishesGrowth): the size its last revision
        // said. NULL for hotspots raised before: their next growth is published.
        migrator.registerMigration("classification-v4-hotspot-published-size") { db in
            try db.execute(sql: "ALTER TABLE hotspot ADD COLUMN published_size INTEGER")
        }
        // Scale-out by town (issue 9): a window row carries its text (a restored row has no classified_event
        // row to read it from) and a version, so that a restore never lets an older record replace a newer.
        migrator.registerMigration("classification-v5-window-changelog") { db in
            try db.execute(sql: """
                ALTER TABLE recent_event ADD COLUMN text TEXT;
                ALTER TABLE recent_event ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                """)
        }
    }
}
