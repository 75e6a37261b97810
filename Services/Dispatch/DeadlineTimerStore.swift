import Foundation
import GRDB
import MinshengModel

/// Reads and writes deadline timers. Every write runs inside the caller's transaction, together with the
/// work-order change that made the timers (or that they report).
enum DeadlineTimerStore {
    /// Adds a timer for the order's round; an existing one of the same kind and round is left as it is.
    static func schedule(workOrderId: String, round: Int, kind: DeadlineTimer.Kind, dueAt: Date, db: Database) throws {
        try db.run("""
            INSERT OR IGNORE INTO deadline_timer (work_order_id, round, kind, due_at) VALUES (?, ?, ?, ?)
            """, [workOrderId, round, kind.rawValue, MessageCoding.formatTimestamp(dueAt)])
    }

    /// Adds a timer for the order's round, or re-arms one of the same kind and round that has not fired
    /// (cancelled before): a second return in one round gets its review timers back.
    static func rearm(workOrderId: String, round: Int, kind: DeadlineTimer.Kind, dueAt: Date, db: Database) throws {
        try db.run("""
            INSERT INTO deadline_timer (work_order_id, round, kind, due_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (work_order_id, round, kind) DO UPDATE SET due_at = excluded.due_at, cancelled_at = NULL
                WHERE fired_at IS NULL
            """, [workOrderId, round, kind.rawValue, MessageCoding.formatTimestamp(dueAt)])
    }

    /// Cancels the order's pending timers of these kinds (every kind when nil).
    static func cancel(workOrderId: String, kinds: [DeadlineTimer.Kind]? = nil, db: Database, now: Date) throws {
        var sql = "UPDATE deadline_timer SET cancelled_at = ? WHERE work_order_id = ? AND fired_at IS NULL AND cancelled_at IS NULL"
        var arguments: StatementArguments = [MessageCoding.formatTimestamp(now), workOrderId]
        if let kinds {
            guard !kinds.isEmpty else { return }
            sql += " AND kind IN (\(kinds.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(kinds.map(\.rawValue))
        }
        try db.execute(sql: sql, arguments: arguments)
    }

    /// Pending timers due at or before `now`, oldest first, and the ids of due rows that cannot be read
    /// (an unknown kind, a broken time: they must be set aside, or they would be due forever).
    /// - Parameter partitions: only the timers of orders of these partitions (nil: all).
    static func due(at now: Date, limit: Int, partitions: Set<Int32>? = nil, db: Database) throws
        -> (timers: [DeadlineTimer], unreadable: [Int64])
    {
        let rows = try Row.fetchAll(db.cached("""
            SELECT * FROM deadline_timer WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ?\(ofPartitions(partitions))
            ORDER BY due_at, id LIMIT ?
            """), arguments: [MessageCoding.formatTimestamp(now), limit])
        var timers: [DeadlineTimer] = []
        var unreadable: [Int64] = []
        for row in rows {
            if let timer = timer(row) { timers.append(timer) } else { unreadable.append(row["id"]) }
        }
        return (timers, unreadable)
    }

    /// Gives units back the time dispatch was down: pending sign, on-site and resolve overdue timers and
    /// feedback timeouts that came due between `downSince` and `now` fire at `now + min(grace, downtime)`
    /// instead of all at once (warnings still fire at once). Returns how many were deferred.
    static func deferDueDuringDowntime(downSince: Date, now: Date, grace: TimeInterval, db: Database) throws -> Int {
        let delay = min(grace, max(0, now.timeIntervalSince(downSince)))
        guard delay > 0 else { return 0 }
        let kinds = [DeadlineTimer.Kind.signOverdue, .onSiteOverdue, .resolveOverdue, .feedbackTimeout].map(\.rawValue)
        try db.execute(sql: """
            UPDATE deadline_timer SET deferred_from = COALESCE(deferred_from, due_at), due_at = ?
            WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at > ? AND due_at <= ?
              AND kind IN (\(kinds.map { _ in "?" }.joined(separator: ",")))
            """, arguments: StatementArguments([MessageCoding.formatTimestamp(now.addingTimeInterval(delay)),
                                                MessageCoding.formatTimestamp(downSince), MessageCoding.formatTimestamp(now)])
                + StatementArguments(kinds))
        return db.changesCount
    }

    /// The watcher's last sign of life, if it ever ran.
    static func watcherAlive(db: Database) throws -> Date? {
        try String.fetchOne(db.cached("SELECT at FROM dispatch_clock WHERE name = 'watcher'")).flatMap(MessageCoding.parseTimestamp)
    }

    static func noteWatcherAlive(at now: Date, db: Database) throws {
        try db.run("""
            INSERT INTO dispatch_clock (name, at) VALUES ('watcher', ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at
            """, [MessageCoding.formatTimestamp(now)])
    }

    /// When the next pending timer is due, if any.
    static func nextDueAt(partitions: Set<Int32>? = nil, db: Database) throws -> Date? {
        try String.fetchOne(db.cached("""
            SELECT MIN(due_at) FROM deadline_timer WHERE fired_at IS NULL AND cancelled_at IS NULL\(ofPartitions(partitions))
            """)).flatMap(MessageCoding.parseTimestamp)
    }

    /// The condition that keeps the timers of orders of `partitions` (none when nil: every timer).
    private static func ofPartitions(_ partitions: Set<Int32>?) -> String {
        guard let partitions else { return "" }
        return " AND work_order_id IN (SELECT work_order_id FROM work_order WHERE partition IN ("
            + partitions.sorted().map(String.init).joined(separator: ",") + "))"
    }

    /// Marks a timer fired; false when it was no longer pending (fired or cancelled meanwhile), so that a
    /// timer's effect is written at most once.
    static func markFired(id: Int64, db: Database, now: Date) throws -> Bool {
        try db.run("UPDATE deadline_timer SET fired_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL",
                       [MessageCoding.formatTimestamp(now), id])
        return db.changesCount == 1
    }

    /// Marks a timer cancelled: it came due but the order had moved on.
    static func markCancelled(id: Int64, db: Database, now: Date) throws {
        try db.run("UPDATE deadline_timer SET cancelled_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL",
                       [MessageCoding.formatTimestamp(now), id])
    }

    /// The order's pending timers, soonest first (for tests and the API).
    static func pending(workOrderId: String, db: Database) throws -> [DeadlineTimer] {
        try Row.fetchAll(db.cached("""
            SELECT * FROM deadline_timer WHERE work_order_id = ? AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at, id
            """), arguments: [workOrderId]).compactMap(timer)
    }

    private static func timer(_ row: Row) -> DeadlineTimer? {
        // The deadline the timer stands for: its original due time when it was deferred.
        let deadline: String? = row["deferred_from"] ?? row["due_at"]
        guard let kind = DeadlineTimer.Kind(rawValue: row["kind"]), let due = deadline.flatMap(MessageCoding.parseTimestamp) else {
            return nil
        }
        return DeadlineTimer(id: row["id"], workOrderId: row["work_order_id"], round: row["round"], kind: kind, dueAt: due)
    }
}
