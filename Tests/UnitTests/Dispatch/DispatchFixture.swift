import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Synchronization
import Testing
@testable import MinshengDispatch

extension TestSupport {
    /// A copy of the shipped config in a fresh temporary directory, with some files replaced.
    static func configCopy(replacing files: [String: String] = [:]) throws -> String {
        let directory = NSTemporaryDirectory() + "minsheng-config-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: configDirectory) where file.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: "\(configDirectory)/\(file)", toPath: "\(directory)/\(file)")
        }
        for (file, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(file)"))
        }
        return directory
    }
}

/// A clock the test sets and moves.
final class ManualClock: WallClock {
    private let current: Mutex<Date>

    init(_ start: Date) { current = Mutex(start) }

    func now() -> Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    func set(_ date: Date) { current.withLock { $0 = date } }
}

/// Dispatch over an in-memory database with the shipped config (or a copy) and a hand-moved clock: the
/// consumer's handler, the desk the API uses, and the deadline watcher, on the same database.
struct DispatchFixture {
    let database: ServiceDatabase
    let store: ConfigStore
    let clock: ManualClock
    let logger = Logger(label: "test")

    /// Monday 23 November 2026, 10:00 in China.
    static let monday = MessageCoding.parseTimestamp("2026-11-23T10:00:00+08:00")!

    init(configDirectory: String = TestSupport.configDirectory, start: Date = DispatchFixture.monday) throws {
        database = try ServiceDatabase.inMemory(migrations: DispatchMigrations.register)
        store = ConfigStore(try DispatchConfiguration.load(directory: configDirectory), directory: configDirectory)
        clock = ManualClock(start)
    }

    var handler: ClassifiedEventHandler { ClassifiedEventHandler(configuration: store, logger: logger) }
    var watcher: DeadlineWatcher {
        DeadlineWatcher(database: database.writer, configuration: store, clock: clock, logger: logger, maximumWait: .milliseconds(50))
    }

    func classified(
        _ text: String = "测试事件", source: Source = .hotline12345, category: Category, level: Level, police: Bool = false,
        town: String?, village: String? = nil, duplicateOf: String? = nil, reporter: String = "王女士"
    ) -> ClassifiedEvent {
        var accepted = TestSupport.accepted(text, source: source)
        accepted.reporter = Reporter(name: reporter, phone: "13800000000")
        return ClassifiedEvent(
            accepted: accepted, category: category, level: level, police: police, shuangfei: false, town: town,
            village: village, grid: nil, confidence: 0.8, explanation: "test", duplicateOf: duplicateOf,
            classifiedAt: clock.now())
    }

    /// Delivers the event as the consumer would, at the clock's time.
    func deliver(_ event: ClassifiedEvent, offset: Int64 = 0) throws {
        let message = KafkaMessage(topic: Topics.eventsClassified, partition: 0, offset: offset,
                                   key: Array(event.eventId.utf8), value: try MessageCoding.encode(event))
        let now = clock.now()
        try database.writer.write { db in try handler.handle(message, db: db, now: now) }
    }

    /// Delivers the event and returns its work order.
    @discardableResult
    func dispatch(_ event: ClassifiedEvent) throws -> WorkOrder {
        try deliver(event)
        let now = clock.now()
        return try database.writer.read { db in
            let id = try #require(try WorkOrderStore.workOrderId(containing: event.eventId, db: db))
            return try #require(try WorkOrderStore.find(id: id, db: db, now: now))
        }
    }

    func caller(_ unitId: String) -> Caller {
        Caller(unit: store.current.units.unit(id: unitId)!)
    }

    /// What the API does for `unitId`.
    @discardableResult
    func perform(_ command: WorkOrderDesk.Command, on id: String, as unitId: String) throws -> WorkOrder {
        let now = clock.now()
        let desk = WorkOrderDesk(configuration: store.current, logger: logger)
        let caller = caller(unitId)
        return try database.writer.write { db in try desk.perform(command, on: id, by: caller, db: db, now: now) }
    }

    func order(_ id: String) throws -> WorkOrder {
        let now = clock.now()
        return try database.writer.read { db in try #require(try WorkOrderStore.find(id: id, db: db, now: now)) }
    }

    func pendingTimers(_ id: String) throws -> [DeadlineTimer] {
        try database.writer.read { db in try DeadlineTimerStore.pending(workOrderId: id, db: db) }
    }

    /// Every message on `workorders.updates` in the outbox, oldest first (of one order when given).
    func updates(of workOrderId: String? = nil) throws -> [WorkOrderUpdate] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY id", arguments: [Topics.workOrderUpdates])
                .map { try MessageCoding.decode(WorkOrderUpdate.self, from: Array($0["payload"] as Data)) }
                .filter { workOrderId == nil || $0.workOrderId == workOrderId }
        }
    }

    /// The unit's public demo token (the shipped units.json holds its hash).
    func token(_ unitId: String) -> String { DemoToken.unit(unitId) }

    /// API access as the test stacks run it: demo mode on; failed authentications limited only loosely,
    /// since every router test calls from the same (unknown) address.
    var access: APIAccess {
        APIAccess(demoMode: true, failures: FailedAuthentications(service: .dispatch, limit: .init(perSecond: 1000, burst: 1000)))
    }
}
