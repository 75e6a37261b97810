import Foundation
import GRDB
import Logging
import MinshengModel
import MinshengPlatform

/// Classification's composition root.
enum ClassificationService {
    static let topics = [Topics.eventsAccepted, Topics.eventsClassified, Topics.police110Returns, Topics.hotspotAlerts,
                         Topics.classificationByTown, Topics.classificationWindowChangelog, Topics.deadLetter(service: "classification")]

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

    /// Signs a report again from its text (rows signed by another model, or before signatures were kept).
    static func resign(parts: Parts, text: String, source: Source, village: String?, now: Date) -> ReportSignature {
        let event = AcceptedEvent(eventId: "resign", source: source, sourceId: "resign", occurredAt: now, receivedAt: now, text: text)
        return parts.signatures.signature(text: text, address: nil, village: village,
                                          categoryProbabilities: parts.classifier.classify(event).categoryProbabilities)
    }

    /// The handler of both steps over a database: its candidate index rebuilt from `recent_event` first.
    static func makeHandler(parts: Parts, database: any DatabaseWriter, logger: Logger, now: Date = Date()) throws -> ClassificationHandler {
        let index = CandidateIndex(retention: parts.settings.longestWindow + 3600, parameters: .init(for: parts.settings.similarity))
        let (loaded, resigned) = try database.write { db in
            try index.rebuild(db: db, now: now, signatureVersion: parts.signatures.version) { eventId, _, village in
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT COALESCE(r.text, c.text) AS text, r.source FROM recent_event r
                    LEFT JOIN classified_event c ON c.event_id = r.event_id WHERE r.event_id = ?
                    """, arguments: [eventId]), let text = row["text"] as String? else { return nil }
                return resign(parts: parts, text: text, source: Source(rawValue: row["source"]) ?? .walkin, village: village, now: now)
            }
        }
        logger.info("Candidate index rebuilt", metadata: ["reports": "\(loaded)", "resigned": "\(resigned)"])
        return ClassificationHandler(
            accepted: AcceptedEventHandler(classifier: parts.classifier, logger: logger),
            window: TownWindowHandler(
                signatures: parts.signatures,
                detector: RepeatDetector(settings: parts.settings, index: index, signatureVersion: parts.signatures.version),
                retention: ClassificationRetention(settings: parts.settings), logger: logger))
    }

    /// The partitioned state of `handler`'s window: restored records go into its SQLite and its index.
    static func makeState(parts: Parts, handler: ClassificationHandler, logger: Logger,
                          clock: @escaping @Sendable () -> Date = { Date() }) -> ClassificationWindowState {
        ClassificationWindowState(
            index: handler.window.detector.index, signatureVersion: parts.signatures.version,
            resign: { text, source, village in resign(parts: parts, text: text, source: source, village: village, now: clock()) },
            retention: handler.window.retention.recentEventSeconds, clock: clock, logger: logger)
    }

    static func build(settings: ServiceSettings) async throws -> BuiltService {
        let parts = try makeParts(configDirectory: settings.configDirectory)
        let runtime = try await ServiceRuntime.start(
            settings: settings, topics: topics, migrations: ClassificationMigrations.register)
        let handler = try makeHandler(parts: parts, database: runtime.database.writer, logger: runtime.logger)
        // One consumer: events.accepted (any instance classifies and places) and classification.bytown (the
        // owner of a partition keeps its towns' window, restored from the changelog on assignment).
        let (consumer, _) = try runtime.partitionedConsumer(
            topics: [Topics.eventsAccepted, Topics.classificationByTown], handler: handler,
            state: makeState(parts: parts, handler: handler, logger: runtime.logger))
        return BuiltService(runtime: runtime, services: consumer, router: runtime.makeRouter())
    }
}
