import MinshengModel
import MinshengPlatform

/// Intake's composition root: the consumer of the inbound topics and the HTTP window share one desk.
enum IntakeService {
    /// Topics intake reads or writes.
    static let topics = Topics.inbound + [Topics.eventsAccepted, Topics.eventsRejected, Topics.deadLetter(service: "intake")]

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let senders = try SenderDirectory.load(directory: settings.configDirectory)
        let runtime = try await ServiceRuntime.start(settings: settings, topics: topics, migrations: IntakeMigrations.register)
        let desk = IntakeDesk(logger: runtime.logger)
        let consumer = try runtime.consumerServices(topics: Topics.inbound, handler: InboundMessageHandler(desk: desk))
        let router = runtime.makeRouter()
        let outbox = runtime.outbox
        EventController(desk: desk, database: runtime.database.writer,
                        gate: SenderGate(senders: senders, demoMode: settings.demoMode), onCommit: { outbox.wake() })
            .addRoutes(to: router)
        return BuiltService(runtime: runtime, services: consumer, router: router)
    }
}
