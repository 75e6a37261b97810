import MinshengModel
import MinshengPlatform

/// Classification's composition root.
enum ClassificationService {
    static let topics = [Topics.eventsAccepted, Topics.eventsClassified, Topics.police110Returns, Topics.hotspotAlerts,
                         Topics.deadLetter(service: "classification")]

    /// The classifier from the files in the config directory: model, region, map and settings.
    static func makeClassifier(configDirectory: String) throws -> (EventClassifier, ClassificationSettings) {
        let region = try ConfigFile.region(directory: configDirectory)
        let settings = try ClassificationSettings.load(directory: configDirectory)
        let model: ClassifierModel
        do {
            model = try ClassifierModel.load(directory: configDirectory)
        } catch let error as ModelFileError {
            throw ConfigurationError(error.description)
        }
        let locator = PlaceLocator(map: try RegionMap.load(directory: configDirectory, region: region), gazetteer: Gazetteer(region: region))
        return (EventClassifier(model: model, locator: locator, settings: settings), settings)
    }

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let (classifier, classification) = try makeClassifier(configDirectory: settings.configDirectory)
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: ClassificationMigrations.register)
        let handler = AcceptedEventHandler(
            classifier: classifier, detector: RepeatDetector(settings: classification), logger: runtime.logger)
        let consumer = try runtime.consumerServices(topics: [Topics.eventsAccepted], handler: handler)
        return BuiltService(runtime: runtime, services: consumer, router: runtime.makeRouter())
    }
}
