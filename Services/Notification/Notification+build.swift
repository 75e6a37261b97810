import Foundation
import MinshengModel
import MinshengPlatform

/// Notification's composition root.
enum NotificationService {
    static let topics = [Topics.workOrderUpdates, Topics.hotspotAlerts, Topics.notificationDeliveries,
                         Topics.notificationChangelog, Topics.deadLetter(service: "notification")]

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let units = try ConfigFile.units(directory: settings.configDirectory)
        let channels = try ChannelSettings.load(directory: settings.configDirectory, units: units, demoMode: settings.demoMode)
        let credentials = try CentreCredentials.load(directory: settings.configDirectory)
        let templates = try TemplateLibrary.load(directory: settings.configDirectory)
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: NotificationMigrations.register)
        // The worker is told after each commit; it is made once the consumer (and its ownership) exists.
        let wakeWorker = WakeSignal()
        let handler = TriggerHandler(
            planner: NotificationPlanner(units: units, settings: channels, templates: templates), logger: runtime.logger,
            onCommit: { wakeWorker.signal() }, smsLimit: channels.smsDailyLimit)
        let state = DeliveriesState(retention: TimeInterval(settings.processing.recordRetention.components.seconds))
        let (consumer, ownership) = try runtime.partitionedConsumer(
            topics: [Topics.workOrderUpdates, Topics.hotspotAlerts], handler: handler, state: state)
        let worker = DeliveryWorker(
            database: runtime.database.writer, senders: ChannelSenders(settings: channels, poster: HTTPPoster()),
            policy: channels.retryPolicy,
            limiter: RateLimiter(limit: channels.rateLimit.perRecipient, window: channels.rateLimit.windowSeconds),
            outbox: runtime.outbox, logger: runtime.logger, owned: { ownership.owned }, wakeUps: wakeWorker)
        // Deliveries under way for partitions being given up are recorded and published first.
        ownership.beforeGivingUp { partitions in worker.finishWork(on: partitions, within: .seconds(15)) }
        let router = runtime.makeRouter()
        NotificationController(database: runtime.database.writer, credentials: credentials, demoMode: settings.demoMode)
            .addRoutes(to: router)
        let records = settings.processing.recordRetention
        // Stopped in reverse order: the worker first (its last records published), then the consumer.
        return BuiltService(runtime: runtime, services: consumer + [worker], router: router, retentionRules: [
            // Finished notifications and their attempts (attempts first: they refer to the notification).
            RetentionRule(table: "delivery_attempt", keyColumn: "id", timeColumn: "at",
                          condition: "notification_id IN (SELECT notification_id FROM notification WHERE finished_at IS NOT NULL)",
                          period: records),
            RetentionRule(table: "notification", keyColumn: "notification_id", timeColumn: "finished_at",
                          condition: "finished_at IS NOT NULL", period: records),
            RetentionRule(table: "work_order_change", keyColumn: "work_order_id", timeColumn: "seen_at", period: records),
        ])
    }
}
