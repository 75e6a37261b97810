import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Start-up shared by the four executables: read settings (a bad one stops start-up with a message
/// naming the variable), bootstrap logs and metrics, build and run the service.
public enum ServiceLauncher {
    public static func launch(
        _ service: ServiceName, run: (ServiceSettings) async throws -> Void
    ) async throws {
        do {
            let settings = try ServiceSettings.load(for: service)
            Observability.bootstrap(logLevel: settings.logLevel)
            try await run(settings)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(service.executableName): configuration error: \(error)\n".utf8))
            exit(2)
        }
    }
}

/// What a service's build function assembles: the runtime, its services and its router.
public struct BuiltService {
    public var runtime: ServiceRuntime
    public var services: [any Service]
    public var router: Router<HTTPServer.Context>
    /// Retention of the service's own tables, besides the shared ones.
    public var retentionRules: [RetentionRule]

    public init(
        runtime: ServiceRuntime, services: [any Service], router: Router<HTTPServer.Context>,
        retentionRules: [RetentionRule] = []
    ) {
        self.runtime = runtime
        self.services = services
        self.router = router
        self.retentionRules = retentionRules
    }

    /// Runs until SIGTERM/SIGINT.
    public func run(onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await runtime.run(
            services: services, router: router, retentionRules: retentionRules, onHTTPRunning: onHTTPRunning)
    }
}
