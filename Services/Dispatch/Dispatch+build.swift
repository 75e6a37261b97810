import MinshengModel
import MinshengPlatform

/// Dispatch's composition root.
enum DispatchService {
    static let topics = [Topics.eventsClassified, Topics.workOrderUpdates, Topics.deadLetter(service: "dispatch")]

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let region = try ConfigFile.region(directory: settings.configDirectory)
        let units = try ConfigFile.units(directory: settings.configDirectory)
        let routing = try RoutingTable.load(directory: settings.configDirectory, units: units, region: region)
        let runtime = try await ServiceRuntime.start(settings: settings, topics: topics, migrations: DispatchMigrations.register)
        let handler = ClassifiedEventHandler(routing: routing, units: units, logger: runtime.logger)
        let consumer = try runtime.consumerServices(topics: [Topics.eventsClassified], handler: handler)
        let router = runtime.makeRouter()
        WorkOrderController(database: runtime.database.writer).addRoutes(to: router)
        return BuiltService(runtime: runtime, services: consumer, router: router)
    }
}
