import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

@Suite("Dispatch: classified event to work order")
struct DispatchHandlerTests {
    let database = try! ServiceDatabase.inMemory(migrations: DispatchMigrations.register)
    let handler: ClassifiedEventHandler
    let now = MessageCoding.parseTimestamp("2026-11-23T02:00:00Z")!

    init() throws {
        let units = try TestSupport.units()
        let routing = try RoutingTable.load(directory: TestSupport.configDirectory, units: units, region: TestSupport.region())
        handler = ClassifiedEventHandler(routing: routing, units: units, logger: Logger(label: "test"))
    }

    func classified(_ text: String, source: Source = .hotline12345, category: Category, level: Level, police: Bool = false,
                    town: String?) -> ClassifiedEvent {
        ClassifiedEvent(
            accepted: TestSupport.accepted(text, source: source), category: category, level: level, police: police,
            shuangfei: false, town: town, village: nil, grid: nil, confidence: 0.8, explanation: "test", classifiedAt: now)
    }

    func deliver(_ event: ClassifiedEvent, offset: Int64 = 0) throws {
        let message = KafkaMessage(topic: Topics.eventsClassified, partition: 0, offset: offset,
                                   key: Array(event.eventId.utf8), value: try MessageCoding.encode(event))
        try database.writer.write { db in try handler.handle(message, db: db, now: now) }
    }

    func updates() throws -> [WorkOrderUpdate] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY id", arguments: [Topics.workOrderUpdates])
                .map { try MessageCoding.decode(WorkOrderUpdate.self, from: Array($0["payload"] as Data)) }
        }
    }

    @Test func aWorkOrderIsCreatedForTheRoutedUnitWithDeadlinesByLevel() throws {
        let event = classified("三港路占道经营", category: .urbanManagement, level: .urgent, town: "当湖街道")
        try deliver(event)
        let update = try #require(try updates().first)
        #expect(update.change == .created)
        #expect(update.sequence == 1)
        #expect(update.unitId == "danghu-team")
        #expect(update.unitName == "当湖街道民声一键办服务队")
        #expect(update.workOrderId == "WO20261123-000001")
        #expect(update.signBy == now.addingTimeInterval(30 * 60))
        #expect(update.resolveBy == now.addingTimeInterval(3 * 24 * 3600))
        let stored = try database.writer.read { db in try WorkOrderStore.find(id: update.workOrderId, db: db) }
        #expect(stored?.eventId == event.eventId)
        #expect(stored?.status == .dispatched)
        #expect(stored?.timeline.map(\.change) == ["created"])
    }

    @Test func theSameEventTwiceMakesOneWorkOrder() throws {
        let event = classified("拖欠工资", category: .labor, level: .normal, town: nil)
        try deliver(event, offset: 1)
        try deliver(event, offset: 7)  // re-published by classification after a crash
        #expect(try updates().count == 1)
    }

    @Test func a110PoliceMatterIsNotDispatched() throws {
        try deliver(classified("持刀抢劫", source: .police110, category: .publicOrder, level: .critical, police: true, town: nil))
        #expect(try updates().isEmpty)
        let returns = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM police_return") }
        #expect(returns == 1)
    }

    @Test func aPoliceMatterFromTheHotlineGoesToThePolice() throws {
        try deliver(classified("家里被偷了", category: .publicOrder, level: .urgent, police: true, town: "新埭镇"))
        #expect(try updates().first?.unitId == "city-police")
    }

    @Test func workOrderNumbersCountPerDay() throws {
        try deliver(classified("a", category: .other, level: .low, town: nil))
        try deliver(classified("b", category: .other, level: .low, town: nil))
        #expect(try updates().map(\.workOrderId) == ["WO20261123-000001", "WO20261123-000002"])
    }

    @Test func anUnknownSchemaVersionIsUnprocessable() throws {
        var event = classified("x", category: .other, level: .low, town: nil)
        event.schemaVersion = 9
        #expect(throws: UnprocessableMessage.self) { try deliver(event) }
        let message = KafkaMessage(topic: Topics.eventsClassified, partition: 0, offset: 0, key: nil, value: Array("{}".utf8))
        #expect(throws: UnprocessableMessage.self) {
            try database.writer.write { db in try handler.handle(message, db: db, now: now) }
        }
    }
}
