import Foundation
import GRDB
import Logging
import Metrics
import MinshengModel
import MinshengPlatform
import ServiceLifecycle

/// Fires deadline timers when they come due: warnings (预警), overdue notices with supervision (督办)
/// and escalation (升级), and closing without feedback. It sleeps until the next timer is due, but at
/// most `maximumWait` (a second), so timers written by a reload, another process or a clock change are
/// noticed soon. Each timer is marked fired in the same transaction as its messages, so it fires
/// exactly once; on start it fires everything that came due while the service was down. With several
/// instances it fires only the timers of the partitions this instance owns (`owned`; nil: all of them),
/// so that a timer fires on its partition's owner, whichever instance that is now.
final class DeadlineWatcher: Service, Sendable {
    private let database: any DatabaseWriter
    private let configuration: ConfigStore
    private let clock: any WallClock
    private let logger: Logger
    private let maximumWait: Duration
    private let onFired: @Sendable () -> Void
    private let owned: @Sendable () -> Set<Int32>?
    private let wakeUps = WakeSignal()
    /// How many due timers are read at a time.
    static let batchSize = 100

    init(
        database: any DatabaseWriter, configuration: ConfigStore, clock: any WallClock, logger: Logger,
        maximumWait: Duration = .seconds(1), onFired: @escaping @Sendable () -> Void = {},
        owned: @escaping @Sendable () -> Set<Int32>? = { nil }
    ) {
        self.owned = owned
        self.database = database
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.maximumWait = maximumWait
        self.onFired = onFired
    }

    /// Tells the watcher that timers were written (it looks again at once).
    func wake() { wakeUps.signal() }

    func run() async throws {
        try await giveBackDowntime()
        var lastNoted = ContinuousClock.now - .seconds(60)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if ContinuousClock.now - lastNoted >= .seconds(15) {
                let now = clock.now()
                try await database.write { db in try DeadlineTimerStore.noteWatcherAlive(at: now, db: db) }
                lastNoted = .now
            }
            try await fireDue()
            let partitions = owned()
            let next = try await database.read { db in try DeadlineTimerStore.nextDueAt(partitions: partitions, db: db) }
            var wait = maximumWait
            if let next {
                let seconds = max(0, next.timeIntervalSince(clock.now()))
                wait = min(wait, .milliseconds(Int64((seconds * 1000).rounded(.up))))
            }
            if wait > .zero {
                let timeout = wait
                await withGracefulShutdownHandler {
                    await self.wakeUps.wait(timeout: timeout)
                } onGracefulShutdown: {
                    self.wakeUps.signal()
                }
            }
        }
    }

    /// On start: overdue timers that came due while dispatch was down fire after the restart grace (at
    /// most the downtime), not all at once, since units could not act meanwhile.
    func giveBackDowntime() async throws {
        let now = clock.now()
        let grace = configuration.current.deadlines.restartGrace
        let deferred = try await database.write { db -> (Int, Date?) in
            guard let downSince = try DeadlineTimerStore.watcherAlive(db: db) else { return (0, nil) }
            return (try DeadlineTimerStore.deferDueDuringDowntime(downSince: downSince, now: now, grace: grace, db: db), downSince)
        }
        if deferred.0 > 0, let downSince = deferred.1 {
            logger.notice("Overdue timers that came due while dispatch was down fire after a grace", metadata: [
                "timers": "\(deferred.0)", "down.seconds": "\(Int(now.timeIntervalSince(downSince)))",
                "grace.seconds": "\(Int(min(grace, now.timeIntervalSince(downSince))))",
            ])
        }
    }

    /// Fires every timer due now, oldest first, one transaction each; returns how many fired.
    @discardableResult
    func fireDue() async throws -> Int {
        var fired = 0
        while true {
            let now = clock.now()
            let partitions = owned()
            let (timers, unreadable) = try await database.read { db in
                try DeadlineTimerStore.due(at: now, limit: Self.batchSize, partitions: partitions, db: db)
            }
            if !unreadable.isEmpty {
                // Set aside, or they would be due forever and the watcher would spin on them.
                try await database.write { db in
                    for id in unreadable { try DeadlineTimerStore.markCancelled(id: id, db: db, now: now) }
                }
                Counter(label: "minsheng_deadline_timers_total", dimensions: [("kind", "unknown"), ("outcome", "unreadable")])
                    .increment(by: unreadable.count)
                logger.error("Unreadable deadline timers set aside", metadata: ["timer.ids": "\(unreadable)"])
            }
            for timer in timers {
                let desk = WorkOrderDesk(configuration: configuration.current, logger: logger)
                let at = clock.now()
                let outcome = try await database.write { db in try desk.fire(timer, db: db, now: at) }
                Counter(label: "minsheng_deadline_timers_total", dimensions: [
                    ("kind", timer.kind.rawValue), ("outcome", outcome == .fired ? "fired" : "cancelled"),
                ]).increment()
                if outcome == .fired {
                    fired += 1
                    onFired()
                    logger.debug("Deadline timer fired", metadata: [
                        "workOrder.id": "\(timer.workOrderId)", "timer.kind": "\(timer.kind.rawValue)",
                        "timer.due": "\(MessageCoding.formatTimestamp(timer.dueAt))",
                    ])
                }
            }
            if timers.count + unreadable.count < Self.batchSize { return fired }
        }
    }
}
