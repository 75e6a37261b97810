import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengNotification

/// Notification (docs/security.md): the centre alone reads notifications, personal data is masked in
/// answers and absent from logs, citizens' phones get at most so many SMS a day, webhooks need https and
/// secrets outside demo mode, and templates escape for their medium.
@Suite("Security: notifications")
struct NotificationSecurityTests {
    let database = try! ServiceDatabase.inMemory(migrations: NotificationMigrations.register)
    let logs = CapturedLogs()
    let now = MessageCoding.parseTimestamp("2026-11-23T02:00:00Z")!  // 10:00 in China

    func handler(smsLimit: SmsDailyLimit? = nil, webhook: Bool = false) throws -> TriggerHandler {
        var settings = try ChannelSettings.load(directory: TestSupport.configDirectory, units: try TestSupport.units(), demoMode: false)
        settings.sms.url = "https://sms.example/send"
        var units = try TestSupport.units()
        if webhook {
            units.units = units.units.map { var unit = $0; if unit.id == "danghu-team" { unit.webhook = "https://unit.example/hook" }; return unit }
        }
        let planner = NotificationPlanner(units: units, settings: settings,
                                          templates: try TemplateLibrary.load(directory: TestSupport.configDirectory))
        return TriggerHandler(planner: planner, logger: logs.logger(), onCommit: {}, smsLimit: smsLimit)
    }

    func update(_ workOrderId: String = "WO20261123-000001", phone: String = "13812341234", text: String = "三港路占道经营，电话13900001111",
                change: WorkOrderUpdate.Change = .created) -> WorkOrderUpdate {
        WorkOrderUpdate(
            eventId: "ev-\(workOrderId)", workOrderId: workOrderId, sequence: 1, change: change, status: .dispatched,
            unitId: "danghu-team", unitName: "当湖街道民声一键办服务队", category: .urbanManagement, level: .normal,
            town: "当湖街道", village: "东湖社区", grid: nil, source: .hotline12345, sourceId: "12345-\(workOrderId)",
            text: text, address: "三港路", reporter: Reporter(name: "王小明", phone: phone),
            occurredAt: now, signBy: now.addingTimeInterval(1800), resolveBy: now.addingTimeInterval(86400), at: now)
    }

    func deliver(_ update: WorkOrderUpdate, to handler: TriggerHandler, at time: Date? = nil) throws {
        let message = KafkaMessage(topic: Topics.workOrderUpdates, partition: 0, offset: 0, key: Array(update.eventId.utf8),
                                   value: try MessageCoding.encode(update))
        try database.writer.write { db in try handler.handle(message, db: db, now: time ?? now) }
    }

    func application(failures: FailedAuthentications = FailedAuthentications(service: .notification)) throws -> some ApplicationProtocol {
        let router = Router(context: HTTPServer.Context.self)
        NotificationController(database: database.writer, credentials: try CentreCredentials.load(directory: TestSupport.configDirectory),
                               demoMode: true, failures: failures).addRoutes(to: router)
        return Application(router: router, logger: logs.logger())
    }

    @Test func onlyTheCentreReadsNotificationsAndPersonalDataIsMasked() async throws {
        try deliver(update(), to: try handler())
        try await application().test(.router) { client in
            let uri = "/v1/notifications?workOrder=WO20261123-000001"
            for token in [nil, DemoToken.unit("danghu-team"), DemoToken.unit("city-police"), "x"] {
                var headers = HTTPFields()
                if let token { headers[.authorization] = "Bearer \(token)" }
                #expect(try await client.execute(uri: uri, method: .get, headers: headers).status == .unauthorized)
            }
            let response = try await client.execute(uri: uri, method: .get,
                                                    headers: [.authorization: "Bearer \(DemoToken.unit("centre"))"])
            #expect(response.status == .ok)
            let body = String(buffer: response.body)
            #expect(body.contains("citizen:138****1234"))
            #expect(body.contains("王**"))
            #expect(body.contains("139****1111"))
            for secret in ["13812341234", "王小明", "13900001111"] { #expect(!body.contains(secret), "\(secret) in \(body)") }
        }
        // What is sent still carries the real values.
        let payloads = try await database.writer.read { db in try Data.fetchAll(db, sql: "SELECT payload FROM notification") }
        #expect(payloads.contains { String(decoding: $0, as: UTF8.self).contains("13812341234") })
    }

    @Test func aNotificationWithoutChannelIsLoggedByIdsOnly() throws {
        try deliver(update(), to: try handler())
        let warning = try #require(logs.all.first { $0.message.hasPrefix("No channel for recipient") })
        #expect(warning.metadata["notification.id"] != nil)
        for secret in ["13812341234", "王小明", "三港路", "占道经营"] {
            #expect(!logs.text.contains(secret), "\(secret) logged")
        }
    }

    @Test func aPhoneGetsAtMostTheDailyLimitOfSms() throws {
        let handler = try handler(smsLimit: SmsDailyLimit(perPhonePerDay: 2, utcOffsetHours: 8))
        for number in 1...3 { try deliver(update("WO20261123-00000\(number)"), to: handler) }
        // Another phone is counted apart.
        try deliver(update("WO20261123-000009", phone: "13700000000"), to: handler)
        func statuses(_ phone: String) throws -> [String] {
            try database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT status FROM notification WHERE recipient = ? ORDER BY work_order_id",
                                    arguments: ["citizen:\(phone)"])
            }
        }
        #expect(try statuses("13812341234") == ["pending", "pending", "capped"])
        #expect(try statuses("13700000000") == ["pending"])
        // Recorded and reported, not sent.
        let reported = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ?", arguments: [Topics.notificationDeliveries])
                .map { try MessageCoding.decode(DeliveryResult.self, from: Array($0["payload"] as Data)) }
        }
        #expect(reported.filter { $0.recipient == "citizen:13812341234" }.map(\.outcome) == [.undeliverable])
        // The next day (China time) the phone may get messages again.
        try deliver(update("WO20261124-000001"), to: handler, at: MessageCoding.parseTimestamp("2026-11-23T16:00:00Z")!)
        #expect(try statuses("13812341234").last == "pending")
    }

    @Test func webhooksNeedHttpsAndASecretOutsideDemoMode() throws {
        var units = try TestSupport.units()
        units.units = units.units.map { var unit = $0; if unit.id == "danghu-team" { unit.webhook = "http://unit.example/hook" }; return unit }
        var settings = try ChannelSettings.load(directory: TestSupport.configDirectory, units: try TestSupport.units(), demoMode: false)
        settings.sms.url = "http://sms.example/send"
        let problems = settings.problems(units: units, demoMode: false)
        #expect(problems.contains("units.json: the webhook of danghu-team must be an https URL"))
        #expect(problems.contains { $0.hasPrefix("units.danghu-team.webhookSecret") })
        #expect(problems.contains("sms.url must be an https URL"))
        #expect(settings.problems(units: units, demoMode: true).isEmpty)
        units.units = units.units.map { var unit = $0; if unit.id == "danghu-team" { unit.webhook = "https://unit.example/hook" }; return unit }
        settings.sms.url = "https://sms.example/send"
        settings.units["danghu-team"] = .init(webhookSecret: "a-secret-of-enough-length", robot: nil)
        #expect(settings.problems(units: units, demoMode: false).isEmpty)
    }

    @Test func smsAndTextAreNotHTMLEscapedAndRobotMarkdownIsNeutralised() throws {
        let library = try TemplateLibrary.load(directory: TestSupport.configDirectory)
        var context = MessageContext.sample
        context.values["text"] = #"<b>噪音</b> & "扰民" 看[这里](http://evil.example) **紧急**"#
        context.values["unitName"] = "A&B<服务队>"
        let sms = library.render(.citizenReceipt, "sms", context)
        #expect(sms.contains("A&B<服务队>"))
        #expect(!sms.contains("&amp;") && !sms.contains("&lt;"))
        let text = library.render(.newWorkOrder, "text", context)
        #expect(text.contains(#"<b>噪音</b> & "扰民""#))
        let markdown = library.render(.newWorkOrder, "markdown", context)
        #expect(!markdown.contains("](") && !markdown.contains("http://") && !markdown.contains("**紧急**"))
        #expect(markdown.contains("看［这里］（http：//evil.example）"))
        #expect(markdown.contains("### 【民声工单】"))  // the template's own markdown is kept
        #expect(MarkdownEscaping.escape("第一行\n# 标题\r\n> 引用") == "第一行 ＃ 标题 ＞ 引用")
    }

    @Test func smsCarryTheirIdempotencyKeyInTheBody() throws {
        var settings = try ChannelSettings.load(directory: TestSupport.configDirectory, units: try TestSupport.units(), demoMode: false)
        settings.sms.url = "https://sms.example/send"
        settings.sms.bodyTemplate = #"{"mobile": "{{{phone}}}", "content": "{{{text}}}", "outId": "{{{notificationId}}}"}"#
        let planner = NotificationPlanner(units: try TestSupport.units(), settings: settings,
                                          templates: try TemplateLibrary.load(directory: TestSupport.configDirectory))
        let sms = try #require(try planner.plan(update(), now: now).first { $0.channel == "sms" })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sms.payload)) as? [String: String])
        #expect(body["outId"] == sms.id)
        #expect(body["mobile"] == "13812341234")
    }

    @Test func personalDataMasks() {
        #expect(PersonalData.maskPhone("13812341234") == "138****1234")
        #expect(PersonalData.maskName("张三") == "张*")
        #expect(PersonalData.maskName("欧阳娜娜") == "欧***")
        #expect(PersonalData.maskRecipient("citizen:13812341234") == "citizen:138****1234")
        #expect(PersonalData.maskRecipient("unit:danghu-team") == "unit:danghu-team")
        #expect(PersonalData.maskDigitRuns("工单WO20261123-000001，电话0573-85123456或13812341234")
                == "工单WO20261123-000001，电话0573-851*3456或138****1234")
    }
}
