import Foundation
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Dispatch's composition root.
enum DispatchService {
    static let topics = [Topics.eventsClassified, Topics.workOrderUpdates, Topics.dispatchWorkOrdersChangelog,
                         Topics.dispatchCommands, Topics.dispatchReplies, Topics.deadLetter(service: "dispatch")]

    /// How long an API write waits for the owner's reply before it answers 503.
    static let commandTimeout: Duration = .seconds(10)

    /// Work orders are the record and stay; timers that fired or were cancelled, 110 police matters noted
    /// as not dispatched, and changelog records left waiting for their order (its owner lost with its disk
    /// between the two) go after the record retention.
    static func retentionRules(records: Duration) -> [RetentionRule] {
        [
            RetentionRule(table: "deadline_timer", keyColumn: "id", timeColumn: "due_at",
                          condition: "fired_at IS NOT NULL OR cancelled_at IS NOT NULL", period: records),
            RetentionRule(table: "police_return", keyColumn: "event_id", timeColumn: "received_at", period: records),
            RetentionRule(table: "work_order_waiting_record", keyColumn: "id", timeColumn: "waiting_since", period: records),
        ]
    }

    static func build(settings: ServiceSettings, clock: any WallClock = SystemWallClock()) async throws -> BuiltService {
        let configuration = try DispatchConfiguration.load(directory: settings.configDirectory)
        let store = ConfigStore(configuration, directory: settings.configDirectory)
        // Its reads need only SQLite: with the broker down the API still answers them (degraded); writes
        // go to the owner of the order's partition over the broker and answer 503 while it is away.
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: DispatchMigrations.register, brokerRequired: false)
        if !configuration.calendar.covers(clock.now()) {
            runtime.logger.warning("calendar.json does not cover this year: only weekends count as days off", metadata: [
                "config.dir": "\(settings.configDirectory)",
            ])
        }
        // Orders from before partitioned dispatch go to the changelog once, so that a new owner has them.
        let backfilled = try await runtime.database.writer.write { db in try WorkOrderChangelog.backfillIfNeeded(db: db, now: clock.now()) }
        if backfilled > 0 {
            runtime.logger.notice("Orders from before partitioned dispatch written to the changelog", metadata: ["orders": "\(backfilled)"])
        }
        let outbox = runtime.outbox
        // Timers fire on the owner of their order's partition (known once the consumer is made).
        let ownership = OwnershipReference()
        let watcher = DeadlineWatcher(
            database: runtime.database.writer, configuration: store, clock: clock, logger: runtime.logger,
            onFired: { outbox.wake() }, owned: { ownership.owned })
        let handler = DispatchInputHandler(
            events: ClassifiedEventHandler(configuration: store, logger: runtime.logger),
            commands: CommandHandler(applier: CommandApplier(configuration: store, logger: runtime.logger)),
            onCommit: { watcher.wake() })
        // Work orders are partitioned by matter: the owner of partition p of events.classified and of
        // dispatch.commands (co-partitioned, assigned together) decides about the orders of p, with their
        // state restored from dispatch.workorders.changelog on assignment.
        let (consumer, owner) = try runtime.partitionedConsumer(
            topics: [Topics.eventsClassified, Topics.dispatchCommands], handler: handler, state: DispatchState())
        ownership.set(owner)
        // The API's writes reach that owner as commands; this instance waits for its reply.
        let waiters = ReplyWaiters<WorkOrderCommandReply>()
        let commandPartitions = CommandPartitions()
        let listener = ReplyListener(
            topic: Topics.dispatchReplies,
            reader: try KafkaPartitionReader(configuration: settings.kafkaConfiguration(role: "replies"), name: "dispatch-replies",
                                             logger: runtime.logger),
            instanceId: settings.instanceId, waiters: waiters, logger: runtime.logger, prepare: commandPartitions.learn(with:))
        let channel = CommandChannel(
            database: runtime.database.writer, instanceId: settings.instanceId, waiters: waiters, partitions: commandPartitions,
            timeout: commandTimeout, onCommit: { outbox.wake() })
        // Every instance follows the changelog of the partitions it does not own: the API's reads answer for all orders.
        let follower = WorkOrderFollower(
            reader: try KafkaPartitionReader(configuration: settings.kafkaConfiguration(role: "readmodel"), name: "dispatch-readmodel",
                                             idlePause: settings.kafkaIdlePause, logger: runtime.logger),
            database: runtime.database.writer, owns: { ownership.owns($0) }, logger: runtime.logger)
        let router = runtime.makeRouter()
        let access = APIAccess(demoMode: settings.demoMode)
        WorkOrderController(database: runtime.database.writer, configuration: store, clock: clock, onCommit: {
            outbox.wake()
            watcher.wake()
        }, access: access, channel: channel).addRoutes(to: router)
        StatsController(database: runtime.database.writer, configuration: store, clock: clock, access: access).addRoutes(to: router)
        HotspotTaskController(database: runtime.database.writer, configuration: store, clock: clock, access: access, onCommit: {
            outbox.wake()
            watcher.wake()
        }, channel: channel).addRoutes(to: router)
        let reloader = ConfigReloader(store: store, logger: runtime.logger)
        let gauges = WorkOrderGauges(database: runtime.database.writer, clock: clock, logger: runtime.logger)
        return BuiltService(runtime: runtime, services: [reloader, watcher, gauges, listener, follower] + consumer, router: router,
                            retentionRules: retentionRules(records: settings.processing.recordRetention))
    }
}

