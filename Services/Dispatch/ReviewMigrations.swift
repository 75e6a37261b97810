import GRDB

/// The columns of the centre's review (issue 11): held orders and returns waiting for the centre, with
/// their review deadline; merged reports; hotspot tasks; and the person behind each timeline entry.
/// Registered after dispatch-v3 by `DispatchMigrations`.
enum ReviewMigrations {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-v4-review") { db in
            try db.execute(sql: """
                -- While held or returned: when the centre must have decided (审核时限).
                ALTER TABLE work_order ADD COLUMN review_by TEXT;
                -- A held report merged into another order: that order.
                ALTER TABLE work_order ADD COLUMN merged_into TEXT;
                -- A hotspot task (未诉先办): its alert, at most one task per alert.
                ALTER TABLE work_order ADD COLUMN hotspot_alert_id TEXT;
                CREATE UNIQUE INDEX work_order_hotspot ON work_order(hotspot_alert_id) WHERE hotspot_alert_id IS NOT NULL;
                -- The person who acted for the unit, when a trusted caller named them.
                ALTER TABLE work_order_timeline ADD COLUMN person_id TEXT;
                ALTER TABLE work_order_timeline ADD COLUMN person_name TEXT;
                """)
        }
        migrator.registerMigration("dispatch-v5-partitions") { db in
            try db.execute(sql: """
                -- The partition of events.classified whose owner decides about the order (docs/scaling.md);
                -- orders from before partitioned state belong to partition 0.
                ALTER TABLE work_order ADD COLUMN partition INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX work_order_partition ON work_order(partition, seq);
                -- Work-order numbers per partition and day of the centre (part of the partition's state).
                CREATE TABLE work_order_counter (
                    partition INTEGER NOT NULL,
                    day TEXT NOT NULL,
                    last INTEGER NOT NULL,
                    PRIMARY KEY (partition, day)
                ) WITHOUT ROWID;
                -- Commands applied to an order (ids), so that one redelivered to a new owner is not applied twice.
                CREATE TABLE work_order_command (
                    command_id TEXT PRIMARY KEY NOT NULL,
                    work_order_id TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX work_order_command_order ON work_order_command(work_order_id);
                """)
        }
        migrator.registerMigration("dispatch-v6-waiting-records") { db in
            try db.execute(sql: """
                -- Changelog records (entries, events) read before the record of their order, which follows them
                -- in the partition: kept here until it comes (WorkOrderChangelog.restore).
                CREATE TABLE work_order_waiting_record (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    work_order_id TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    -- When it started waiting here (not when its owner wrote it: a restore reads old records).
                    waiting_since TEXT NOT NULL
                );
                CREATE INDEX work_order_waiting_record_order ON work_order_waiting_record(work_order_id, id);
                """)
        }
    }
}
