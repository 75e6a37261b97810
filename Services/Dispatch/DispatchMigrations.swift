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
        // The lifecycle (issue 4): rounds of handling with their deadlines, co-operating units, attached
        // events, feedback, and the deadline timers that survive restarts.
        migrator.registerMigration("dispatch-v2") { db in
            try db.execute(sql: """
                ALTER TABLE work_order ADD COLUMN on_site_by TEXT;
                ALTER TABLE work_order ADD COLUMN round INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE work_order ADD COLUMN round_started_at TEXT;
                ALTER TABLE work_order ADD COLUMN signed_at TEXT;
                ALTER TABLE work_order ADD COLUMN on_site_at TEXT;
                ALTER TABLE work_order ADD COLUMN resolved_at TEXT;
                ALTER TABLE work_order ADD COLUMN closed_at TEXT;
                ALTER TABLE work_order ADD COLUMN result TEXT;
                ALTER TABLE work_order ADD COLUMN feedback_satisfied INTEGER;
                ALTER TABLE work_order ADD COLUMN feedback_comment TEXT;
                ALTER TABLE work_order ADD COLUMN feedback_at TEXT;
                -- A police matter from another channel (routed by the police rules; re-routing keeps to them).
                ALTER TABLE work_order ADD COLUMN police INTEGER NOT NULL DEFAULT 0;
                UPDATE work_order SET round_started_at = dispatched_at;
                CREATE INDEX work_order_status ON work_order(status);
                CREATE INDEX work_order_dispatched ON work_order(dispatched_at);
                CREATE INDEX work_order_town ON work_order(town);

                -- The lead unit at the time of each timeline entry (who was responsible).
                ALTER TABLE work_order_timeline ADD COLUMN unit_id TEXT;
                UPDATE work_order_timeline SET unit_id =
                    (SELECT unit_id FROM work_order WHERE work_order.work_order_id = work_order_timeline.work_order_id);

                -- Co-operating units (协办).
                CREATE TABLE work_order_co_unit (
                    work_order_id TEXT NOT NULL REFERENCES work_order(work_order_id),
                    unit_id TEXT NOT NULL,
                    PRIMARY KEY (work_order_id, unit_id)
                ) WITHOUT ROWID;
                CREATE INDEX work_order_co_unit_unit ON work_order_co_unit(unit_id);

                -- Every event of a work order: the one it was created for and the repeats attached (并案).
                CREATE TABLE work_order_event (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    work_order_id TEXT NOT NULL REFERENCES work_order(work_order_id),
                    source TEXT NOT NULL,
                    source_id TEXT NOT NULL,
                    text TEXT NOT NULL,
                    address TEXT,
                    reporter_name TEXT,
                    reporter_phone TEXT,
                    occurred_at TEXT NOT NULL,
                    attached_at TEXT NOT NULL
                );
                CREATE INDEX work_order_event_order ON work_order_event(work_order_id);
                INSERT INTO work_order_event (event_id, work_order_id, source, source_id, text, address, reporter_name,
                                              reporter_phone, occurred_at, attached_at)
                    SELECT event_id, work_order_id, source, source_id, text, address, reporter_name, reporter_phone,
                           occurred_at, dispatched_at FROM work_order;

                -- Deadline timers: each fires once (fired_at), or is cancelled when the order moves on.
                CREATE TABLE deadline_timer (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    work_order_id TEXT NOT NULL REFERENCES work_order(work_order_id),
                    round INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    due_at TEXT NOT NULL,
                    fired_at TEXT,
                    cancelled_at TEXT,
                    UNIQUE (work_order_id, round, kind)
                );
                CREATE INDEX deadline_timer_pending ON deadline_timer(due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
                """)
            // Orders dispatched before this migration get their sign and resolve timers (warning at 80%).
            let warningAt = { (deadline: String) in
                "strftime('%Y-%m-%dT%H:%M:%fZ', julianday(dispatched_at) + 0.8 * (julianday(\(deadline)) - julianday(dispatched_at)))"
            }
            for (kind, due) in [("sign_warning", warningAt("sign_by")), ("sign_overdue", "sign_by"),
                                ("resolve_warning", warningAt("resolve_by")), ("resolve_overdue", "resolve_by")] {
                try db.execute(sql: """
                    INSERT INTO deadline_timer (work_order_id, round, kind, due_at)
                    SELECT work_order_id, 1, ?, \(due) FROM work_order WHERE status = 'dispatched'
                    """, arguments: [kind])
            }
        }
        migrator.registerMigration("dispatch-v3-numbering-grace-lookup") { db in
            try db.execute(sql: """
                -- Work-order numbers per day of the centre, without counting the day's orders.
                CREATE TABLE work_order_number (
                    day TEXT PRIMARY KEY NOT NULL,
                    last INTEGER NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO work_order_number (day, last)
                    SELECT substr(work_order_id, 3, 8), MAX(CAST(substr(work_order_id, 12) AS INTEGER)) FROM work_order
                    WHERE work_order_id GLOB 'WO[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-*' GROUP BY 1;

                -- A timer that came due while dispatch was down fires after a grace (due_at moved); the
                -- deadline it reports stays the original one.
                ALTER TABLE deadline_timer ADD COLUMN deferred_from TEXT;

                -- Instants dispatch notes for itself (the watcher's last sign of life).
                CREATE TABLE dispatch_clock (
                    name TEXT PRIMARY KEY NOT NULL,
                    at TEXT NOT NULL
                ) WITHOUT ROWID;

                -- A report attached to an order is found by its sender's id too.
                CREATE INDEX work_order_event_source ON work_order_event(source, source_id);
                """)
        }
        ReviewMigrations.register(&migrator)
    }
}
