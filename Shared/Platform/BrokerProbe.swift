import Logging
import MinshengKafka
import ServiceLifecycle

/// Keeps the `kafka` part of `/readyz` current: asks the broker for metadata every few seconds, so an
/// orchestrator stops routing to an instance that cannot reach Kafka (and logs the change once).
struct BrokerProbe: Service {
    let producer: KafkaProducer
    let readiness: Readiness
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        var last: Bool?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let reachable = await producer.brokerReachable()
            readiness.set("kafka", ready: reachable)
            if reachable != last {
                if reachable {
                    logger.info("Kafka reachable")
                } else {
                    logger.warning("Kafka not reachable; /readyz reports not ready")
                }
                last = reachable
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
