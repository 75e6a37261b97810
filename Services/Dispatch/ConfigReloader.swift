import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP (`kill -HUP <pid>`), without a restart. A file with problems is
/// logged and the configuration in force is kept.
struct ConfigReloader: Service {
    let store: ConfigStore
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            store.reload(logger: logger)
        }
    }
}
