import Logging
import Metrics
import MinshengKafka
import ServiceLifecycle

/// Publishes the consumer group's lag as `kafka_consumergroup_lag{group,topic,partition}` and
/// `kafka_consumergroup_lag_sum{group,topic}`, the names the common Kafka exporters use, and watches
/// progress: a consumer with lag that has finished nothing for `stallAfter` is stuck, and `/readyz`
/// says so (the `consumer` part failing) until it moves again.
public struct ConsumerLagReporter: Service {
    let consumer: KafkaConsumer
    let interval: Duration
    let progress: ConsumerProgress?
    let readiness: Readiness?
    let stallAfter: Duration
    let logger: Logger?

    public init(
        consumer: KafkaConsumer, interval: Duration = .seconds(15), progress: ConsumerProgress? = nil,
        readiness: Readiness? = nil, stallAfter: Duration = .seconds(60), logger: Logger? = nil
    ) {
        self.consumer = consumer
        self.interval = interval
        self.progress = progress
        self.readiness = readiness
        self.stallAfter = stallAfter
        self.logger = logger
    }

    public func run() async throws {
        var stuck = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let lags = await consumer.lag()
            var sums: [String: Int64] = [:]
            for lag in lags {
                Gauge(label: "kafka_consumergroup_lag", dimensions: [
                    ("group", consumer.groupId), ("topic", lag.topic), ("partition", "\(lag.partition)"),
                ]).record(lag.lag)
                sums[lag.topic, default: 0] += lag.lag
            }
            for (topic, sum) in sums {
                Gauge(label: "kafka_consumergroup_lag_sum", dimensions: [("group", consumer.groupId), ("topic", topic)])
                    .record(sum)
            }
            if let progress, let readiness {
                let total = sums.values.reduce(0, +)
                let idle = ContinuousClock.now - progress.snapshot.at
                let nowStuck = total > 0 && idle > stallAfter
                if nowStuck {
                    readiness.set("consumer", .failing("no message finished for \(idle.components.seconds) s with a lag of \(total)"))
                } else if stuck, readiness.state(of: "consumer") != .failing("stopped") {
                    readiness.set("consumer", .ready)
                }
                if nowStuck != stuck {
                    if nowStuck {
                        // Which partitions, and how far this member got in each: a position of "none" means it
                        // has received nothing of that partition since it was assigned.
                        let behind = lags.filter { $0.lag > 0 }.sorted { $0.lag > $1.lag }
                        logger?.error("Consumer stuck: lag but no progress", metadata: [
                            "lag": "\(total)", "idle.seconds": "\(idle.components.seconds)",
                            "partitions": "\(behind.prefix(12).map(\.summary).joined(separator: "; "))\(behind.count > 12 ? "; …" : "")",
                        ])
                    } else {
                        logger?.notice("Consumer moving again")
                    }
                }
                stuck = nowStuck
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
