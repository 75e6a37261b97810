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
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            box = registry
            return registry
        }
    }

    /// The registry, when `bootstrap` ran; tests that did not bootstrap get an empty one.
    public static var registry: PrometheusCollectorRegistry {
        registryBox.withLock { $0 } ?? PrometheusCollectorRegistry()
    }
}
