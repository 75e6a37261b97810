import Logging
import MinshengKafka
import ServiceLifecycle

/// Keeps the `kafka` part of `/readyz` current: asks the broker for metadata every few seconds and logs
/// each change once. For a service that cannot work without the broker the part fails (503); for one
/// whose HTTP API needs only SQLite (intake, dispatch: their outbox holds what waits) it is degraded,
/// shown but still answering.
struct BrokerProbe: Service {
    let producer: KafkaProducer
    let readiness: Readiness
    let required: Bool
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        var last: Bool?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let reachable = await producer.brokerReachable()
            let problem = "no Kafka broker answered a metadata request"
            readiness.set("kafka", reachable ? .ready : required ? .failing(problem) : .degraded(problem))
            if reachable != last {
                if reachable {
                    logger.info("Kafka reachable")
                } else {
                    logger.warning("Kafka not reachable", metadata: ["readiness": "\(required ? "failing" : "degraded")"])
                }
                last = reachable
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
