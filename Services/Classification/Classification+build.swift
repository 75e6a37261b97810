import Foundation
import GRDB
import Logging
import MinshengModel
import MinshengPlatform

/// Classification's composition root.
enum ClassificationService {
    static let topics = [Topics.eventsAccepted, Topics.eventsClassified, Topics.police110Returns, Topics.hotspotAlerts,
                         Topics.deadLetter(service: "classification")]

    /// What the service and the commands build from the config directory: classifier, signature maker
    /// and settings.
    struct Parts: Sendable {
        var classifier: EventClassifier
        var signatures: SignatureMaker
        var settings: ClassificationSettings
    }

    /// The classifier from the files in the config directory: model, region, map and settings.
    static func makeParts(configDirectory: String) throws -> Parts {
        let region = try ConfigFile.region(directory: configDirectory)
        let settings = try ClassificationSettings.load(directory: configDirectory)
        let model: ClassifierModel
        do {
            model = try ClassifierModel.load(directory: configDirectory)
        } catch let error as ModelFileError {
            throw ConfigurationError(error.description)
        }
        let gazetteer = Gazetteer(region: region)
        let locator = PlaceLocator(map: try RegionMap.load(directory: configDirectory, region: region), gazetteer: gazetteer)
        return Parts(classifier: EventClassifier(model: model, locator: locator, settings: settings),
                     signatures: SignatureMaker(model: model, gazetteer: gazetteer, parameters: settings.similarity),
                     settings: settings)
    }

    static func makeClassifier(configDirectory: String) throws -> (EventClassifier, ClassificationSettings) {
        let parts = try makeParts(configDirectory: configDirectory)
        return (parts.classifier, parts.settings)
    }

    /// The handler over a database: its candidate index rebuilt from `recent_event` first.
    static func makeHandler(parts: Parts, database: any DatabaseWriter, logger: Logger, now: Date = Date()) throws -> AcceptedEventHandler {
        let index = CandidateIndex(retention: parts.settings.longestWindow + 3600)
        let (loaded, resigned) = try database.write { db in
            try index.rebuild(db: db, now: now, signatureVersion: parts.signatures.version) { eventId, _, village in
                guard let row = try Row.fetchOne(db, sql: "SELECT text, source FROM classified_event WHERE event_id = ?",
                                                 arguments: [eventId]) else { return nil }
                let text: String = row["text"] ?? ""
                let event = AcceptedEvent(eventId: eventId, source: Source(rawValue: row["source"]) ?? .walkin, sourceId: eventId,
                                          occurredAt: now, receivedAt: now, text: text)
                return parts.signatures.signature(text: text, address: nil, village: village,
                                                  categoryProbabilities: parts.classifier.classify(event).categoryProbabilities)
            }
        }
        logger.info("Candidate index rebuilt", metadata: ["reports": "\(loaded)", "resigned": "\(resigned)"])
        return AcceptedEventHandler(
            classifier: parts.classifier, signatures: parts.signatures,
            detector: RepeatDetector(settings: parts.settings, index: index, signatureVersion: parts.signatures.version),
            retention: ClassificationRetention(settings: parts.settings), logger: logger)
    }

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let parts = try makeParts(configDirectory: settings.configDirectory)
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: ClassificationMigrations.register)
        let handler = try makeHandler(parts: parts, database: runtime.database.writer, logger: runtime.logger)
        let consumer = try runtime.consumerServices(topics: [Topics.eventsAccepted], handler: handler)
        return BuiltService(runtime: runtime, services: consumer, router: runtime.makeRouter())
    }
}
