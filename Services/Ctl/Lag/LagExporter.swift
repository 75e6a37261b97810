import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `minsheng-ctl lag --serve PORT`: reads the broker every interval and serves the latest judged figures
/// at `GET /metrics` (and `GET /healthz`), so lag stays visible when a service is down.
struct LagExporter {
    let reader: LagReader
    var monitor: LagMonitor
    let interval: Duration
    let host: String
    let port: Int

    /// The latest report and the read counters, shared between the sampler and the HTTP handler.
    final class State: Sendable {
        struct Figures {
            var report = LagReport(at: Date(), groups: [])
            var readErrors = 0
            var lastSuccess: Date?
        }
        let figures = Mutex(Figures())
    }

    func run() async throws {
        let logger = {
            var logger = Logger(label: "minsheng.ctl.lag")
            logger.logLevel = .info
            return logger
        }()
        let state = State()
        let router = Router()
        router.get("/metrics") { _, _ in
            let figures = state.figures.withLock { $0 }
            let text = LagExposition.render(figures.report, readErrors: figures.readErrors, lastSuccess: figures.lastSuccess)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "minsheng-ctl"),
            onServerRunning: { channel in
                logger.info("Lag exporter listening", metadata: ["http.port": "\(channel.localAddress?.port ?? port)"])
            },
            logger: logger)
        let sampler = Sampler(reader: reader, monitor: monitor, interval: interval, state: state, logger: logger)
        var configuration = ServiceGroupConfiguration(services: [sampler, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        configuration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: configuration).run()
    }

    struct Sampler: Service {
        let reader: LagReader
        var monitor: LagMonitor
        let interval: Duration
        let state: State
        let logger: Logger

        func run() async throws {
            var monitor = monitor
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    let report = monitor.observe(try await reader.read())
                    state.figures.withLock {
                        $0.report = report
                        $0.lastSuccess = report.at
                    }
                } catch {
                    state.figures.withLock { $0.readErrors += 1 }
                    logger.warning("Could not read consumer groups from the broker", metadata: ["error": "\(error)"])
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        }
    }
}
