import MinshengModel
import MinshengPlatform

/// Notification's composition root.
enum NotificationService {
    static let topics = [Topics.workOrderUpdates, Topics.notificationDeliveries, Topics.deadLetter(service: "notification")]

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let units = try ConfigFile.units(directory: settings.configDirectory)
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: NotificationMigrations.register)
        let worker = DeliveryWorker(
            database: runtime.database.writer, sender: WebhookSender(), policy: RetryPolicy(), outbox: runtime.outbox,
            logger: runtime.logger)
        let handler = WorkOrderUpdateHandler(units: units, logger: runtime.logger, onCommit: { worker.wake() })
        let consumer = try runtime.consumerServices(topics: [Topics.workOrderUpdates], handler: handler)
        let router = runtime.makeRouter()
        NotificationController(database: runtime.database.writer).addRoutes(to: router)
        return BuiltService(runtime: runtime, services: [worker] + consumer, router: router)
    }
}
