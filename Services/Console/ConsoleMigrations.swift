import GRDB

/// The console's own tables: its read model of the topics, and its accounts and sessions. Never edit a
/// shipped migration; add a new one.
enum ConsoleMigrations {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("console-v1") { db in
            try db.execute(sql: """
                -- Every accepted event (events.accepted), with what classification said (events.classified)
                -- and whether it went back to the 110 system (police110.returns). Rows are filled by
                -- whichever message comes first: Kafka keeps no order between topics.
                CREATE TABLE event (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    source TEXT,
                    source_id TEXT,
                    occurred_at TEXT,
                    received_at TEXT,
                    text TEXT,
                    request_type TEXT,
                    reporter_name TEXT,
                    reporter_phone TEXT,
                    address TEXT,
                    category TEXT,
                    level TEXT,
                    police INTEGER,
                    shuangfei INTEGER,
                    town TEXT,
                    village TEXT,
                    grid TEXT,
                    confidence REAL,
                    explanation TEXT,
                    needs_review INTEGER,
                    duplicate_of TEXT,
                    classified_at TEXT,
                    returned_to_110_at TEXT,
                    return_reason TEXT
                );
                CREATE INDEX event_received ON event(received_at);
                CREATE INDEX event_phone ON event(reporter_phone);
                CREATE INDEX event_source_id ON event(source_id);
                CREATE INDEX event_town ON event(town, category);

                -- What intake refused (events.rejected).
                CREATE TABLE rejection (
                    rejection_id TEXT PRIMARY KEY NOT NULL,
                    source TEXT NOT NULL,
                    source_id TEXT,
                    origin TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    field TEXT,
                    message TEXT NOT NULL,
                    rejected_at TEXT NOT NULL
                );
                CREATE INDEX rejection_at ON rejection(rejected_at);

                -- Each work order as its latest message on workorders.updates says (a full copy).
                CREATE TABLE work_order (
                    work_order_id TEXT PRIMARY KEY NOT NULL,
                    event_id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    source_id TEXT NOT NULL,
                    category TEXT NOT NULL,
                    level TEXT NOT NULL,
                    town TEXT,
                    village TEXT,
                    grid TEXT,
                    unit_id TEXT NOT NULL,
                    unit_name TEXT NOT NULL,
                    co_unit_ids TEXT NOT NULL DEFAULT '',
                    status TEXT NOT NULL,
                    text TEXT NOT NULL,
                    address TEXT,
                    reporter_name TEXT,
                    reporter_phone TEXT,
                    occurred_at TEXT NOT NULL,
                    dispatched_at TEXT NOT NULL,
                    round INTEGER NOT NULL,
                    round_started_at TEXT NOT NULL,
                    sign_by TEXT NOT NULL,
                    on_site_by TEXT,
                    resolve_by TEXT NOT NULL,
                    review_by TEXT,
                    -- When the wait for the centre began (held, or returned): the review deadline runs from here.
                    review_started_at TEXT,
                    signed_at TEXT,
                    on_site_at TEXT,
                    resolved_at TEXT,
                    closed_at TEXT,
                    result TEXT,
                    feedback_satisfied INTEGER,
                    feedback_comment TEXT,
                    hotspot_alert_id TEXT,
                    merged_into TEXT,
                    proposed_unit_id TEXT,
                    return_reason TEXT,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX work_order_dispatched ON work_order(dispatched_at);
                CREATE INDEX work_order_status ON work_order(status);
                CREATE INDEX work_order_unit ON work_order(unit_id, status);
                CREATE INDEX work_order_event_id ON work_order(event_id);
                CREATE INDEX work_order_hotspot ON work_order(hotspot_alert_id);

                -- Every change (the timeline), one row per message.
                CREATE TABLE work_order_change (
                    work_order_id TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    change TEXT NOT NULL,
                    status TEXT NOT NULL,
                    at TEXT NOT NULL,
                    actor TEXT,
                    person_id TEXT,
                    person_name TEXT,
                    unit_id TEXT NOT NULL,
                    note TEXT,
                    reason TEXT,
                    result TEXT,
                    deadline TEXT,
                    previous_unit_id TEXT,
                    round INTEGER,
                    PRIMARY KEY (work_order_id, sequence)
                ) WITHOUT ROWID;
                CREATE INDEX work_order_change_at ON work_order_change(at);

                -- The events of each order: the first and every attached repeat (并案).
                CREATE TABLE work_order_event (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    work_order_id TEXT NOT NULL,
                    attached_at TEXT NOT NULL
                );
                CREATE INDEX work_order_event_order ON work_order_event(work_order_id);

                -- Each hand-over of an order to a unit with its deadlines (a round), for evaluation (考核).
                -- A refused return keeps its round's start, so it continues the same row.
                CREATE TABLE handling_round (
                    work_order_id TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    unit_id TEXT NOT NULL,
                    town TEXT,
                    sign_by TEXT NOT NULL,
                    resolve_by TEXT NOT NULL,
                    signed_at TEXT,
                    resolved_at TEXT,
                    returned INTEGER NOT NULL DEFAULT 0,
                    reopened INTEGER NOT NULL DEFAULT 0,
                    satisfied INTEGER,
                    PRIMARY KEY (work_order_id, started_at)
                ) WITHOUT ROWID;
                CREATE INDEX handling_round_started ON handling_round(started_at);

                -- Hotspots (alerts.hotspots) and the tasks the centre made of them (未诉先办).
                CREATE TABLE hotspot (
                    alert_id TEXT PRIMARY KEY NOT NULL,
                    event_id TEXT NOT NULL,
                    town TEXT NOT NULL,
                    village TEXT,
                    category TEXT NOT NULL,
                    theme TEXT NOT NULL,
                    event_ids TEXT NOT NULL,
                    sources TEXT NOT NULL,
                    reporter_count INTEGER NOT NULL,
                    first_reported_at TEXT NOT NULL,
                    last_reported_at TEXT NOT NULL,
                    window_hours REAL NOT NULL,
                    detected_at TEXT NOT NULL
                );
                CREATE INDEX hotspot_detected ON hotspot(detected_at);
                CREATE TABLE hotspot_task (
                    alert_id TEXT PRIMARY KEY NOT NULL,
                    work_order_id TEXT NOT NULL,
                    follow_up_days INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL
                );

                -- Final outcomes of notifications (notifications.deliveries).
                CREATE TABLE delivery (
                    notification_id TEXT PRIMARY KEY NOT NULL,
                    event_id TEXT NOT NULL,
                    work_order_id TEXT,
                    subject_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    recipient_unit_id TEXT,
                    channel TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    detail TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX delivery_work_order ON delivery(work_order_id);
                CREATE INDEX delivery_subject ON delivery(subject_id);

                -- Personal accounts (centre staff, supervisors, unit handlers, viewers) and their sessions.
                CREATE TABLE account (
                    account_id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    unit_id TEXT,
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    failed_logins INTEGER NOT NULL DEFAULT 0,
                    locked_until TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                -- Only a hash of the session token is stored.
                CREATE TABLE session (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    account_id TEXT NOT NULL REFERENCES account(account_id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX session_account ON session(account_id);
                """)
        }
        // A hotspot is re-published as it grows (alerts.hotspots `revision`): the read model keeps the latest.
        migrator.registerMigration("console-v2-hotspot-revision") { db in
            try db.execute(sql: "ALTER TABLE hotspot ADD COLUMN revision INTEGER NOT NULL DEFAULT 1")
        }
    }
}
