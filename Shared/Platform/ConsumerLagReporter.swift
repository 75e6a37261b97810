import Logging
import Metrics
import MinshengKafka
import ServiceLifecycle

/// Publishes the consumer group's lag as `kafka_consumergroup_lag{group,topic,partition}` and
/// `kafka_consumergroup_lag_sum{group,topic}`, the names the common Kafka exporters use.
public struct ConsumerLagReporter: Service {
    let consumer: KafkaConsumer
    let interval: Duration

    public init(consumer: KafkaConsumer, interval: Duration = .seconds(15)) {
        self.consumer = consumer
        self.interval = interval
    }

    public func run() async throws {
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
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
