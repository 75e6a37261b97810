import Foundation
import GRDB
import Hummingbird
import Logging
import MinshengKafka
import MinshengModel
import ServiceLifecycle

/// What every service is built from: its settings, logger, database, producer and outbox publisher.
/// A service's `build` function takes one of these, adds its consumer, handlers and routes, and returns
/// the services to run; `run` runs them in one ServiceGroup in dependency order.
public struct ServiceRuntime: Sendable {
    public let settings: ServiceSettings
    public let logger: Logger
    public let database: ServiceDatabase
    public let producer: KafkaProducer
    public let outbox: OutboxPublisher
    public let readiness: Readiness
    /// Whether `/readyz` fails while the broker is unreachable. Services whose HTTP API needs only
    /// SQLite (intake, dispatch) keep answering and show the broker as degraded instead.
    public let brokerRequired: Bool

    /// Opens the database (migrating it), creates the producer and, if configured, the topics.
    public static func start(
        settings: ServiceSettings, topics: [String], migrations: (inout DatabaseMigrator) -> Void,
        brokerRequired: Bool = true
    ) async throws -> ServiceRuntime {
        var logger = Logger(label: "minsheng.\(settings.service.rawValue)")
        logger.logLevel = settings.logLevel
        logger[metadataKey: "service"] = "\(settings.service.rawValue)"
        let database = try ServiceDatabase.open(
            directory: settings.dataDirectory, service: settings.service,
            maximumMegabytes: settings.processing.databaseMaximumMegabytes, migrations: migrations)
        let kafka = settings.kafkaConfiguration(role: "producer")
        if settings.createTopics {
            do {
                try await KafkaAdmin.ensureTopics(
                    TopicCatalog.specs(for: topics, partitions: settings.topicPartitions), configuration: kafka)
            } catch {
                // Not fatal: the topics may exist already, or an operator creates them.
                logger.warning("Could not create topics", metadata: ["error": "\(error)"])
            }
        }
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        let readiness = Readiness()
        let outbox = OutboxPublisher(
            database: database.writer, producer: producer, service: settings.service, logger: logger,
            readiness: readiness)
        return ServiceRuntime(
            settings: settings, logger: logger, database: database, producer: producer, outbox: outbox,
            readiness: readiness, brokerRequired: brokerRequired)
    }

    /// A consumer in this service's group, with static membership.
    public func makeConsumer(topics: [String], assignmentStrategy: String = "cooperative-sticky") throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: settings.kafkaConfiguration(role: "consumer"),
            options: .init(
                groupId: settings.service.consumerGroup, instanceId: settings.instanceId, topics: topics,
                idlePause: settings.kafkaIdlePause, assignmentStrategy: assignmentStrategy),
            logger: logger)
    }

    /// The consumer loop for `handler` with partitioned `state` (restored from its changelog on every
    /// assignment), its lag reporter, and who owns which partition. Assigned with `range` (eager): partition
    /// p of each co-partitioned input goes to the same member, and on the local broker (noida-db) the
    /// cooperative protocol's two-round rebalance has left groups half-formed (a member revoked
    /// everything, was assigned nothing, and the new members waited in their join for good;
    /// docs/scaling.md). A revoked partition that comes back restores only what it missed.
    public func partitionedConsumer(
        topics: [String], handler: any MessageHandler, state: any PartitionedState
    ) throws -> (services: [any Service], ownership: PartitionOwnership) {
        let consumer = try makeConsumer(topics: topics, assignmentStrategy: "range")
        let reader = try KafkaPartitionReader(
            configuration: settings.kafkaConfiguration(role: "restore"), name: settings.service.rawValue, logger: logger)
        let progress = ConsumerProgress()
        let loop = ConsumerService(
            consumer: consumer, handler: handler, database: database.writer, outbox: outbox, service: settings.service,
            logger: logger, readiness: readiness, progress: progress, maxBatch: settings.processing.batchMax,
            state: state, stateReader: reader)
        return ([loop, ConsumerLagReporter(consumer: consumer, progress: progress, readiness: readiness, logger: logger)],
                loop.ownership)
    }

    /// The consumer loop for `handler`, with its lag reporter.
    public func consumerServices(topics: [String], handler: any MessageHandler) throws -> [any Service] {
        let consumer = try makeConsumer(topics: topics)
        let progress = ConsumerProgress()
        return [
            ConsumerService(
                consumer: consumer, handler: handler, database: database.writer, outbox: outbox,
                service: settings.service, logger: logger, readiness: readiness, progress: progress,
                maxBatch: settings.processing.batchMax),
            ConsumerLagReporter(consumer: consumer, progress: progress, readiness: readiness, logger: logger),
        ]
    }

    /// The retention rules every service has (idempotency keys, sent outbox rows).
    public var sharedRetentionRules: [RetentionRule] {
        [.processedMessages(settings.processing), .sentOutbox(settings.processing)]
    }

    /// A router with `/healthz`, `/readyz` and `/metrics`.
    public func makeRouter() -> Router<HTTPServer.Context> {
        HTTPServer.makeRouter(readiness: readiness)
    }

    /// Runs producer, outbox publisher, `services` and the HTTP server until SIGTERM or SIGINT, then
    /// stops them in reverse order: HTTP first, the producer (flushing) last.
    public func run(
        services: [any Service], router: Router<HTTPServer.Context>, retentionRules: [RetentionRule] = [],
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let logger = logger
        let readiness = readiness
        let app = HTTPServer.makeApplication(
            router: router, host: settings.httpHost, port: settings.httpPort, logger: logger,
            onRunning: { port in
                readiness.set("http", ready: true)
                logger.info("Service started", metadata: ["http.port": "\(port)"])
                await onHTTPRunning(port)
            })
        var configuration = ServiceGroupConfiguration(
            services: [producer, outbox,
                       BrokerProbe(producer: producer, readiness: readiness, required: brokerRequired, logger: logger),
                       RetentionSweeper(database: database.writer, rules: sharedRetentionRules + retentionRules, logger: logger)]
                + services + [app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        configuration.maximumCancellationDuration = .seconds(10)
        try await ServiceGroup(configuration: configuration).run()
        logger.info("Service stopped")
    }
}

extension ServiceSettings {
    /// librdkafka settings for one of this service's clients.
    public func kafkaConfiguration(role: String) -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: kafkaBootstrapServers, clientId: "minsheng-\(service.rawValue)-\(role)",
            extra: ["log_level": "4"].merging(kafkaClientProperties) { _, chosen in chosen }
                .merging(kafkaSecurity.properties) { _, security in security })
    }
}
