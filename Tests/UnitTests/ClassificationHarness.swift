import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform
@testable import MinshengClassification

/// Classification as the service runs it (shipped model and config, real handler, in-memory SQLite), for
/// the repeat and hotspot tests: deliver accepted events and read what the handler published.
struct ClassificationHarness {
    /// The shipped classifier, signatures and settings, loaded once.
    static let parts: ClassificationService.Parts = {
        do {
            return try ClassificationService.makeParts(configDirectory: TestSupport.configDirectory)
        } catch {
            fatalError("cannot load the shipped classification config: \(error)")
        }
    }()

    let database: ServiceDatabase
    let handler: ClassificationHandler

    init(settings: ClassificationSettings = Self.parts.settings, database: ServiceDatabase? = nil) throws {
        let database = try database ?? ServiceDatabase.inMemory(migrations: ClassificationMigrations.register)
        var parts = Self.parts
        parts.settings = settings
        self.database = database
        handler = try ClassificationService.makeHandler(parts: parts, database: database.writer, logger: .init(label: "test"),
                                                        now: Self.start)
    }

    static let start = MessageCoding.parseTimestamp("2026-11-23T01:00:00Z")!

    /// What one delivery published.
    struct Published {
        var classified: ClassifiedEvent
        var alerts: [HotspotAlert]
    }

    static func event(_ text: String, source: Source = .hotline12345, phone: String? = nil, hoursLater: Double = 0,
                      receivedHoursLater: Double? = nil, id: String = UUID().uuidString.lowercased()) -> AcceptedEvent {
        AcceptedEvent(
            eventId: "ev-\(id)", source: source, sourceId: id, occurredAt: start.addingTimeInterval(hoursLater * 3600),
            receivedAt: start.addingTimeInterval((receivedHoursLater ?? hoursLater) * 3600 + 30), text: text,
            reporter: phone.map { Reporter(phone: $0) })
    }

    static func message(_ event: AcceptedEvent) throws -> KafkaMessage {
        KafkaMessage(topic: Topics.eventsAccepted, partition: 0, offset: 0, key: Array(event.eventId.utf8),
                     value: try MessageCoding.encode(event))
    }

    /// Handles the event in its own transaction and returns what it put in the outbox.
    @discardableResult
    func deliver(_ event: AcceptedEvent) throws -> Published {
        try database.writer.write { db in
            let before = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM outbox") ?? 0
            try handler.handleBothSteps(try Self.message(event), db: db, now: event.receivedAt)
            return try Self.published(after: before, db: db)
        }
    }

    static func published(after id: Int, db: Database) throws -> Published {
        let rows = try Row.fetchAll(db, sql: "SELECT topic, payload FROM outbox WHERE id > ? ORDER BY id", arguments: [id])
        var classified: ClassifiedEvent?
        var alerts: [HotspotAlert] = []
        for row in rows {
            let payload = Array(row["payload"] as Data)
            switch row["topic"] as String {
            case Topics.eventsClassified: classified = try MessageCoding.decode(ClassifiedEvent.self, from: payload)
            case Topics.hotspotAlerts: alerts.append(try MessageCoding.decode(HotspotAlert.self, from: payload))
            default: break
            }
        }
        guard let classified else { throw HarnessError.nothingClassified }
        return Published(classified: classified, alerts: alerts)
    }

    enum HarnessError: Error { case nothingClassified, rolledBack }
}
