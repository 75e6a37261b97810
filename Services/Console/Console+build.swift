import Foundation
import GRDB
import Hummingbird
import Logging
import MinshengModel
import MinshengPlatform

/// The console's composition root: its read model fed by the consumer, the operations monitor, the
/// accounts, and the HTTP routes of the pages and their API.
enum ConsoleService {
    /// The topics the console reads (it writes none but its dead letters).
    static let topics = ConsoleMessageHandler.topics + [Topics.deadLetter(service: "console")]

    static func build(settings: ServiceSettings, console: ConsoleSettings) async throws -> BuiltService {
        let configuration = try ConsoleConfiguration.load(directory: settings.configDirectory)
        let pages = try PagesController.load(directory: webDirectory)
        let runtime = try await ServiceRuntime.start(settings: settings, topics: topics, migrations: ConsoleMigrations.register)
        let feed = ChangeFeed()
        let handler = ConsoleMessageHandler(feed: feed, logger: runtime.logger)
        let consumer = try runtime.consumerServices(topics: ConsoleMessageHandler.topics, handler: handler)
        let operations = OperationsBoard(groups: GroupLagProbe.minshengGroups.map(\.id), services: console.serviceURLs.map(\.name))
        let probe = GroupLagProbe(groups: GroupLagProbe.minshengGroups, properties: settings.kafkaConfiguration(role: "lag").properties)
        let monitor = OperationsMonitor(board: operations, probe: probe, services: console.serviceURLs, feed: feed, logger: runtime.logger)
        let accounts = AccountStore(database: runtime.database.writer, hasher: PasswordHasher())
        try await AccountSeed.apply(directory: settings.configDirectory, store: accounts, units: configuration.units,
                                    demoMode: settings.demoMode, logger: runtime.logger, now: Date())
        let app = ConsoleApp(
            configuration: configuration, settings: console, database: runtime.database.writer, accounts: accounts,
            sessions: SessionStore(database: runtime.database.writer, lifetime: console.sessionLifetime), feed: feed,
            operations: operations, dispatch: DispatchClient(baseURL: console.dispatchURL, token: console.dispatchToken),
            logger: runtime.logger, now: { Date() })
        let router = runtime.makeRouter()
        addRoutes(app, pages: pages, to: router)
        return BuiltService(runtime: runtime, services: [monitor] + consumer, router: router)
    }

    static func addRoutes(_ app: ConsoleApp, pages: PagesController, to router: Router<HTTPServer.Context>) {
        pages.addRoutes(to: router)
        SessionController(app: app).addRoutes(to: router)
        CockpitController(app: app).addRoutes(to: router)
        TriageController(app: app).addRoutes(to: router)
        OrderController(app: app).addRoutes(to: router)
        EvaluationController(app: app).addRoutes(to: router)
        AccountController(app: app).addRoutes(to: router)
    }

    /// The web files shipped with the executable (SwiftPM resources).
    static var webDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Web")
    }
}
