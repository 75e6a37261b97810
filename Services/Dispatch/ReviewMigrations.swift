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
    }
}
