import MinshengModel
import MinshengPlatform

/// Intake's composition root: the consumer of the inbound topics and the HTTP window share one desk.
enum IntakeService {
    /// Topics intake reads or writes.
    static let topics = Topics.inbound + [Topics.eventsAccepted, Topics.eventsRejected, Topics.deadLetter(service: "intake")]

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        // Its HTTP window needs only SQLite: with the broker down it keeps taking events (degraded).
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: IntakeMigrations.register, brokerRequired: false)
        let desk = IntakeDesk(logger: runtime.logger)
        let consumer = try runtime.consumerServices(topics: Topics.inbound, handler: InboundMessageHandler(desk: desk))
        let router = runtime.makeRouter()
        EventController(desk: desk, database: runtime.database.writer, outbox: runtime.outbox).addRoutes(to: router)
        let records = settings.processing.recordRetention
        return BuiltService(runtime: runtime, services: consumer, router: router, retentionRules: [
            // The (source, id) memory that drops repeats, and the refusals.
            RetentionRule(table: "event", keyColumn: "event_id", timeColumn: "received_at", period: records),
            RetentionRule(table: "rejection", keyColumn: "id", timeColumn: "rejected_at", period: records),
        ])
    }
}
