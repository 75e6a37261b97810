import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengConsole

/// The console's read model over an in-memory database with the shipped config, fed message by message
/// as its consumer would.
struct ConsoleFixture {
    let database: ServiceDatabase
    let configuration: ConsoleConfiguration
    let feed = ChangeFeed()
    let logger = Logger(label: "test")

    init() throws {
        database = try ServiceDatabase.inMemory(migrations: ConsoleMigrations.register)
        configuration = try ConsoleConfiguration.load(directory: TestSupport.configDirectory)
    }

    var handler: ConsoleMessageHandler { ConsoleMessageHandler(feed: feed, logger: logger) }

    /// Applies one message of `topic` in its own transaction, as the consumer loop does.
    func apply(_ value: some Encodable, topic: String, key: String) throws {
        let message = KafkaMessage(topic: topic, partition: 0, offset: 0, key: Array(key.utf8), value: try MessageCoding.encode(value))
        try database.writer.write { db in try handler.handle(message, db: db, now: Date()) }
        handler.didCommit()
    }

    func apply(_ updates: [WorkOrderUpdate]) throws {
        for update in updates { try apply(update, topic: Topics.workOrderUpdates, key: update.eventId) }
    }

    func figures(from: Date, to: Date, town: String? = nil, unitId: String? = nil, now: Date) throws -> CockpitFigures {
        try database.writer.read { db in try CockpitFigures.compute(from: from, to: to, town: town, unitId: unitId, db: db, now: now) }
    }

    func row(_ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
        try database.writer.read { db in try Row.fetchOne(db, sql: sql, arguments: arguments) }
    }
}

extension TestSupport {
    /// A value as a JSON object, to compare two types that encode the same fields.
    static func jsonObject(_ value: some Encodable) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(MessageCoding.encode(value))) as? NSDictionary)
    }
}
