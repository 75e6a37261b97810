import GRDB

/// Dispatch's own tables. Never edit a shipped migration; add a new one.
enum DispatchMigrations {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-v1") { db in
            try db.execute(sql: """
                CREATE TABLE work_order (
                    work_order_id TEXT PRIMARY KEY NOT NULL,
                    seq INTEGER NOT NULL UNIQUE,
                    event_id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    source_id TEXT NOT NULL,
                    category TEXT NOT NULL,
                    level TEXT NOT NULL,
                    town TEXT,
                    village TEXT,
                    grid TEXT,
                    unit_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    text TEXT NOT NULL,
                    address TEXT,
                    reporter_name TEXT,
                    reporter_phone TEXT,
                    occurred_at TEXT NOT NULL,
                    dispatched_at TEXT NOT NULL,
                    sign_by TEXT NOT NULL,
                    resolve_by TEXT NOT NULL,
                    version INTEGER NOT NULL
                );
                CREATE INDEX work_order_source ON work_order(source, source_id);
                CREATE INDEX work_order_unit ON work_order(unit_id, status);
                CREATE TABLE work_order_timeline (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    work_order_id TEXT NOT NULL REFERENCES work_order(work_order_id),
                    version INTEGER NOT NULL,
                    at TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    change TEXT NOT NULL,
                    note TEXT,
                    UNIQUE (work_order_id, version)
                );
                -- 110 police matters that classification handed back; not dispatched here.
                CREATE TABLE police_return (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    source_id TEXT NOT NULL,
                    received_at TEXT NOT NULL
                );
                """)
        }
    }
}
