import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Intake's composition root: the consumer of the inbound topics and the HTTP window share one desk.
enum IntakeService {
    /// Topics intake reads or writes.
    static let topics = Topics.inbound + [Topics.eventsAccepted, Topics.eventsRejected, Topics.intakeRequests, Topics.intakeReplies,
                                          Topics.intakeEventsChangelog, Topics.deadLetter(service: "intake")]

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let senders = try SenderDirectory.load(directory: settings.configDirectory)
        // Its HTTP window needs only SQLite: with the broker down it keeps taking events (degraded).
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: IntakeMigrations.register, brokerRequired: false)
        let desk = IntakeDesk(logger: runtime.logger)
        // One consumer: the inbound topics (any instance validates) and intake.requests (the owner of a
        // partition decides for its (source, id)s, with its state restored on assignment).
        let (consumer, _) = try runtime.partitionedConsumer(
            topics: Topics.inbound + [Topics.intakeRequests], handler: InboundMessageHandler(desk: desk), state: IntakeState())
        let waiters = ReplyWaiters<IntakeDecision>()
        let listener = ReplyListener(
            topic: Topics.intakeReplies,
            reader: try KafkaPartitionReader(configuration: settings.kafkaConfiguration(role: "replies"), name: "intake-replies",
                                             logger: runtime.logger),
            instanceId: settings.instanceId, waiters: waiters, logger: runtime.logger)
        let router = runtime.makeRouter()
        let outbox = runtime.outbox
        EventController(desk: desk, database: runtime.database.writer,
                        gate: SenderGate(senders: senders, demoMode: settings.demoMode), waiters: waiters,
                        instanceId: settings.instanceId, onCommit: { outbox.wake() })
            .addRoutes(to: router)
        let records = settings.processing.recordRetention
        return BuiltService(runtime: runtime, services: [listener] + consumer, router: router, retentionRules: [
            // The (source, id) memory that drops repeats, and the refusals.
            RetentionRule(table: "event", keyColumn: "event_id", timeColumn: "received_at", period: records),
            RetentionRule(table: "rejection", keyColumn: "id", timeColumn: "rejected_at", period: records),
        ])
    }
}
