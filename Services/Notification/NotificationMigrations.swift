import GRDB

/// Notification's own tables. Never edit a shipped migration; add a new one.
enum NotificationMigrations {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("notification-v1") { db in
            try db.execute(sql: """
                CREATE TABLE notification (
                    notification_id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    work_order_id TEXT,
                    recipient TEXT NOT NULL,
                    unit_id TEXT,
                    channel TEXT NOT NULL,
                    target TEXT,
                    payload BLOB NOT NULL,
                    text TEXT NOT NULL,
                    urgent INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    finished_at TEXT,
                    last_error TEXT,
                    dedupe_key TEXT NOT NULL UNIQUE
                );
                CREATE INDEX notification_due ON notification(next_attempt_at) WHERE status = 'pending';
                CREATE INDEX notification_work_order ON notification(work_order_id);
                CREATE INDEX notification_subject ON notification(subject_id);
                CREATE TABLE delivery_attempt (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    notification_id TEXT NOT NULL REFERENCES notification(notification_id),
                    attempt INTEGER NOT NULL,
                    at TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT,
                    duration_ms INTEGER NOT NULL
                );
                CREATE INDEX delivery_attempt_notification ON delivery_attempt(notification_id);
                """)
        }
        migrator.registerMigration("notification-v2-latest-change") { db in
            // The latest change of each work order acted on: an older one that arrives later is stale.
            try db.execute(sql: """
                CREATE TABLE work_order_change (
                    work_order_id TEXT PRIMARY KEY NOT NULL,
                    sequence INTEGER NOT NULL,
                    seen_at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        // The daily SMS limit counts a phone's messages of the day (SmsDailyLimit).
        migrator.registerMigration("notification-security-v1") { db in
            try db.execute(sql: "CREATE INDEX notification_recipient_day ON notification(recipient, created_at)")
        }
        // State partitioned by the input's partition (docs/scaling.md): a notification and a work order's
        // latest change belong to the partition of the message they came from; NULL marks what was stored
        // before (delivered by the instance whose disk holds it). `version` orders the changelog records
        // of one notification.
        migrator.registerMigration("notification-v3-partitions") { db in
            try db.execute(sql: """
                ALTER TABLE notification ADD COLUMN partition INTEGER;
                ALTER TABLE notification ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE work_order_change ADD COLUMN partition INTEGER;
                CREATE INDEX notification_due_partition ON notification(partition, next_attempt_at) WHERE status = 'pending';
                CREATE INDEX delivery_attempt_at ON delivery_attempt(at);
                """)
        }
    }
}
