import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengNotification

@Suite("Notification: work-order update to notification")
struct NotificationHandlerTests {
    let database = try! ServiceDatabase.inMemory(migrations: NotificationMigrations.register)
    let now = MessageCoding.parseTimestamp("2026-11-23T02:00:00Z")!

    func handler(webhook: String?) -> WorkOrderUpdateHandler {
        let units = UnitsDirectory(units: [
            HandlingUnit(id: "danghu-team", name: "当湖街道民声一键办服务队", tier: .town, town: "当湖街道", webhook: webhook, supervisor: nil),
        ])
        return WorkOrderUpdateHandler(units: units, logger: Logger(label: "test"), onCommit: {})
    }

    func update(sequence: Int = 1, change: WorkOrderUpdate.Change = .created) -> WorkOrderUpdate {
        WorkOrderUpdate(
            eventId: "ev-1", workOrderId: "WO20261123-000001", sequence: sequence, change: change, status: .dispatched,
            unitId: "danghu-team", unitName: "当湖街道民声一键办服务队", category: .urbanManagement, level: .urgent,
            town: "当湖街道", village: "东湖社区", grid: nil, source: .hotline12345, sourceId: "12345-1",
            text: "三港路占道经营", address: "三港路", reporter: Reporter(name: "王女士", phone: "13800000000"),
            occurredAt: now, signBy: now.addingTimeInterval(1800), resolveBy: now.addingTimeInterval(86400), at: now)
    }

    func deliver(_ update: WorkOrderUpdate, to handler: WorkOrderUpdateHandler) throws {
        let message = KafkaMessage(topic: Topics.workOrderUpdates, partition: 0, offset: 0, key: Array("ev-1".utf8),
                                   value: try MessageCoding.encode(update))
        #expect(handler.idempotencyKey(for: message) == "update:WO20261123-000001:\(update.sequence)")
        try database.writer.write { db in try handler.handle(message, db: db, now: now) }
    }

    @Test func aNewWorkOrderBecomesAPendingWebhookNotificationWithTheSheet() throws {
        try deliver(update(), to: handler(webhook: "http://127.0.0.1:9/hook"))
        let due = try database.writer.read { db in try NotificationStore.due(db, now: now, limit: 10) }
        #expect(due.count == 1)
        let sheet = try MessageCoding.decode(InstructionSheet.self, from: due[0].payload)
        #expect(sheet.workOrderId == "WO20261123-000001")
        #expect(sheet.title == "【民声工单】WO20261123-000001（紧急）")
        #expect(sheet.message.contains("承办单位：当湖街道民声一键办服务队"))
        #expect(sheet.message.contains("发生地点：当湖街道 东湖社区 三港路"))
        #expect(sheet.message.contains("签收时限：2026-11-23 10:30"))
        #expect(due[0].target == "http://127.0.0.1:9/hook")
    }

    @Test func aUnitWithoutWebhookGetsAnUndeliverableRecordAndAResult() throws {
        try deliver(update(), to: handler(webhook: nil))
        let list = try database.writer.read { db in try NotificationStore.list(workOrderId: "WO20261123-000001", db: db) }
        #expect(list.map(\.status) == ["undeliverable"])
        let results = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ?", arguments: [Topics.notificationDeliveries])
                .map { try MessageCoding.decode(DeliveryResult.self, from: Array($0["payload"] as Data)) }
        }
        #expect(results.map(\.outcome) == [.undeliverable])
        #expect(results.first?.channel == "none")
    }

    @Test func laterChangesAreNotNotifiedYet() throws {
        try deliver(update(sequence: 2, change: .signed), to: handler(webhook: "http://127.0.0.1:9/hook"))
        let list = try database.writer.read { db in try NotificationStore.list(workOrderId: "WO20261123-000001", db: db) }
        #expect(list.isEmpty)
    }
}
