import MinshengModel
import MinshengPlatform

/// Classification's composition root.
enum ClassificationService {
    static let topics = [Topics.eventsAccepted, Topics.eventsClassified, Topics.police110Returns,
                         Topics.deadLetter(service: "classification")]

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let region = try ConfigFile.region(directory: settings.configDirectory)
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: ClassificationMigrations.register)
        let handler = AcceptedEventHandler(classifier: EventClassifier(gazetteer: Gazetteer(region: region)), logger: runtime.logger)
        let consumer = try runtime.consumerServices(topics: [Topics.eventsAccepted], handler: handler)
        return BuiltService(runtime: runtime, services: consumer, router: runtime.makeRouter())
    }
}
