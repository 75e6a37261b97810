import Foundation
import Logging
import Metrics
import Prometheus
import Synchronization

/// Process-wide logging and metrics set-up: call once, first thing in `main`.
public enum Observability {
    private static let registryBox = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps swift-log (stderr, the given level) and swift-metrics (Prometheus), once per process.
    /// Returns the registry `/metrics` serves.
    @discardableResult
    public static func bootstrap(logLevel: Logger.Level) -> PrometheusCollectorRegistry {
        registryBox.withLock { box in
            if let existing = box { return existing }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = logLevel
                return handler
            }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.durationHistogramBuckets = histogramBuckets
            factory.valueHistogramBuckets = ["minsheng_batch_size": [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]]
            MetricsSystem.bootstrap(factory)
            box = registry
            return registry
        }
    }

    /// Buckets for the timers whose durations are far below the default 5 ms – 10 s.
    static let histogramBuckets: [String: [Duration]] = [
        "minsheng_message_processing_seconds": [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .seconds(1),
        ],
        "minsheng_sqlite_transaction_seconds": [
            .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5),
        ],
    ]

    /// The registry, when `bootstrap` ran; tests that did not bootstrap get an empty one.
    public static var registry: PrometheusCollectorRegistry {
        registryBox.withLock { $0 } ?? PrometheusCollectorRegistry()
    }
}

extension Metrics.Timer {
    /// Records the time from `start` to now.
    public func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
