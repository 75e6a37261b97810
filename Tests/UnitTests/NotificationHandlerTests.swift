import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengNotification

/// Work-order updates and hotspot alerts become stored notifications, planned per recipient and channel.
@Suite("Notification planning and storage")
struct NotificationHandlerTests {
    let database = try! ServiceDatabase.inMemory(migrations: NotificationMigrations.register)
    let now = MessageCoding.parseTimestamp("2026-11-23T02:00:00Z")!  // 10:00 in China

    func settings(robot: Bool = false, sms: Bool = true) throws -> ChannelSettings {
        var settings = try ChannelSettings.load(directory: TestSupport.configDirectory, units: try TestSupport.units(), demoMode: false)
        settings.sms.url = sms ? "http://127.0.0.1:9/sms" : nil
        if robot {
            settings.units["danghu-team"] = .init(webhookSecret: "s3cret", robot: .init(kind: .dingtalk, url: "http://127.0.0.1:9/robot", secret: "SECdemo"))
        }
        return settings
    }

    func handler(webhook: String?, robot: Bool = false, sms: Bool = true) throws -> TriggerHandler {
        var units = try TestSupport.units()
        units.units = units.units.map { unit in
            var unit = unit
            if unit.id == "danghu-team" { unit.webhook = webhook }
            return unit
        }
        let planner = NotificationPlanner(units: units, settings: try settings(robot: robot, sms: sms),
                                          templates: try TemplateLibrary.load(directory: TestSupport.configDirectory))
        return TriggerHandler(planner: planner, logger: Logger(label: "test"), onCommit: {})
    }

    func update(sequence: Int = 1, change: WorkOrderUpdate.Change = .created, level: Level = .normal, phone: String? = "13800000000") -> WorkOrderUpdate {
        WorkOrderUpdate(
            eventId: "ev-1", workOrderId: "WO20261123-000001", sequence: sequence, change: change, status: .dispatched,
            unitId: "danghu-team", unitName: "当湖街道民声一键办服务队", category: .urbanManagement, level: level,
            town: "当湖街道", village: "东湖社区", grid: nil, source: .hotline12345, sourceId: "12345-1",
            text: "三港路占道经营", address: "三港路", reporter: Reporter(name: "王女士", phone: phone),
            occurredAt: now, signBy: now.addingTimeInterval(1800), resolveBy: now.addingTimeInterval(86400), at: now)
    }

    func deliver(_ value: some Encodable, topic: String = Topics.workOrderUpdates, to handler: TriggerHandler, at time: Date? = nil) throws {
        let message = KafkaMessage(topic: topic, partition: 0, offset: 0, key: Array("ev-1".utf8), value: try MessageCoding.encode(value))
        try database.writer.write { db in try handler.handle(message, db: db, now: time ?? now) }
    }

    func stored() throws -> [NotificationView] {
        try database.writer.read { db in
            try NotificationStore.list(subjectId: "WO20261123-000001", db: db)
        }
    }

    @Test func aNewWorkOrderGoesToTheUnitsWebhookAndTheCitizen() throws {
        let handler = try handler(webhook: "http://127.0.0.1:9/hook")
        try deliver(update(), to: handler)
        let list = try stored()
        #expect(Set(list.map(\.channel)) == ["webhook", "sms"])
        let due = try database.writer.read { db in try NotificationStore.due(db, now: now, limit: 10) }
        let webhook = try #require(due.first { $0.channel == "webhook" })
        let sheet = try MessageCoding.decode(InstructionSheet.self, from: webhook.payload)
        #expect(sheet.title == "【民声工单】WO20261123-000001（一般）")
        #expect(sheet.message.contains("承办单位：当湖街道民声一键办服务队"))
        #expect(sheet.message.contains("发生地点：当湖街道 东湖社区 三港路"))
        #expect(sheet.message.contains("签收时限：2026-11-23 10:30"))
        let sms = try #require(due.first { $0.channel == "sms" })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sms.payload)) as? [String: Any])
        #expect(body["mobile"] as? String == "13800000000")
        #expect((body["content"] as? String)?.hasPrefix("【平湖民声】您反映的问题已受理，工单号WO20261123-000001") == true)
        #expect(body["segments"] as? Int == SmsSegments.count(body["content"] as? String ?? ""))
        #expect(list.first { $0.channel == "sms" }?.recipient == "citizen:138****0000")
    }

    @Test func aRepeatedUpdateStoresNothingNew() throws {
        let handler = try handler(webhook: "http://127.0.0.1:9/hook")
        try deliver(update(), to: handler)
        try deliver(update(), to: handler)
        #expect(try stored().count == 2)
    }

    @Test func theDutyRobotGetsAnActionCard() throws {
        try deliver(update(), to: try handler(webhook: nil, robot: true))
        let due = try database.writer.read { db in try NotificationStore.due(db, now: now, limit: 10) }
        let robot = try #require(due.first { $0.channel == "dingtalk" })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(robot.payload)) as? [String: Any])
        #expect(body["msgtype"] as? String == "actionCard")
        let card = try #require(body["actionCard"] as? [String: Any])
        #expect((card["text"] as? String)?.contains("三港路占道经营") == true)
        #expect((card["singleURL"] as? String)?.hasSuffix("WO20261123-000001") == true)
    }

    @Test func aUnitWithoutChannelsGetsAnUndeliverableRecordAndAResult() throws {
        try deliver(update(phone: nil), to: try handler(webhook: nil))
        #expect(try stored().map(\.status) == ["undeliverable"])
        let results = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ?", arguments: [Topics.notificationDeliveries])
                .map { try MessageCoding.decode(DeliveryResult.self, from: Array($0["payload"] as Data)) }
        }
        #expect(results.map(\.outcome) == [.undeliverable])
        #expect(results.first?.channel == "none")
        #expect(results.first?.recipient == "unit:danghu-team")
    }

    @Test func aCitizenIsNotWokenForANormalMatterButIsForAnUrgentOne() throws {
        let night = MessageCoding.parseTimestamp("2026-11-23T15:30:00Z")!  // 23:30 in China
        let handler = try handler(webhook: nil)
        try deliver(update(), to: handler, at: night)
        let due = try database.writer.read { db in try NotificationStore.due(db, now: night, limit: 10) }
        #expect(due.isEmpty)  // the receipt waits for 07:00
        let morning = MessageCoding.parseTimestamp("2026-11-23T23:00:00Z")!
        #expect(try database.writer.read { db in try NotificationStore.due(db, now: morning, limit: 10) }.count == 1)

        var urgent = update(level: .urgent)
        urgent.workOrderId = "WO20261123-000002"
        try deliver(urgent, to: handler, at: night)
        #expect(try database.writer.read { db in try NotificationStore.due(db, now: night, limit: 10) }.count == 1)
    }

    func recipients() throws -> [String: [String]] {
        Dictionary(grouping: try stored(), by: \.kind).mapValues { $0.map(\.recipient).sorted() }
    }

    @Test func aWarningGoesToTheSupervisorOncePerDeadline() throws {
        let handler = try handler(webhook: nil)
        var warning = update(sequence: 2, change: .warning)
        warning.deadline = .sign
        warning.supervisorUnitId = "danghu-centre"
        try deliver(warning, to: handler)
        warning.sequence = 3  // the same warning published again
        try deliver(warning, to: handler)
        var overdue = update(sequence: 4, change: .overdue)
        overdue.deadline = .sign
        overdue.supervisorUnitId = "danghu-centre"
        try deliver(overdue, to: handler)
        #expect(try recipients() == ["warning": ["unit:danghu-centre"], "overdue": ["unit:danghu-centre"]])
        #expect(try stored().first { $0.kind == "overdue" }?.text.contains("已超过签收时限（2026-11-23 10:30）") == true)
    }

    @Test func theCitizenHearsOfSigningAndResolutionAndIsAskedForAnAnswer() throws {
        let handler = try handler(webhook: nil)
        try deliver(update(sequence: 2, change: .signed), to: handler)
        var resolved = update(sequence: 3, change: .resolved)
        resolved.result = "已清理占道摊位"
        try deliver(resolved, to: handler)
        #expect(try recipients() == ["citizen_signed": ["citizen:138****0000"], "citizen_resolved": ["citizen:138****0000"],
                                     "citizen_survey": ["citizen:138****0000"]])
        #expect(try stored().first { $0.kind == "citizen_resolved" }?.text.contains("已办结：已清理占道摊位") == true)
    }

    @Test func anEscalationGoesToTheNewUnitAndTellsTheOldUnitsSupervisor() throws {
        var escalated = update(sequence: 2, change: .escalated)
        escalated.previousUnitId = "danghu-donghu-grid"
        escalated.unitId = "danghu-team"
        try deliver(escalated, to: try handler(webhook: "http://127.0.0.1:9/hook"))
        #expect(try recipients() == ["escalated": ["unit:danghu-team"], "escalation_notice": ["unit:danghu-centre"]])
        let due = try database.writer.read { db in try NotificationStore.due(db, now: now, limit: 10) }
        let sheet = try MessageCoding.decode(InstructionSheet.self, from: try #require(due.first { $0.channel == "webhook" }).payload)
        #expect(sheet.kind == "escalated")
        #expect(sheet.message.contains("东湖社区网格服务团队未按时签收"))
    }

    @Test func reopeningAndFeedbackGoToTheLeadUnit() throws {
        let handler = try handler(webhook: nil)
        var reopened = update(sequence: 5, change: .reopened)
        reopened.reason = "群众不满意"
        reopened.feedback = .init(satisfied: false, comment: "第二天又摆出来了")
        try deliver(reopened, to: handler)
        var closed = update(sequence: 8, change: .closed)
        closed.feedback = .init(satisfied: true, comment: nil)
        try deliver(closed, to: handler)
        #expect(try recipients() == ["reopened": ["unit:danghu-team"], "feedback": ["unit:danghu-team"]])
        #expect(try stored().first { $0.kind == "reopened" }?.text.contains("群众意见：第二天又摆出来了") == true)
        #expect(try stored().first { $0.kind == "feedback" }?.text.contains("满意") == true)
    }

    @Test func aRepeatReportsCallerGetsAReceiptForTheWorkOrderItJoined() throws {
        var attached = update(sequence: 2, change: .attached, phone: nil)
        attached.attachedEvent = .init(eventId: "ev-2", source: .web, sourceId: "w-1", reporter: Reporter(phone: "13912345678"))
        try deliver(attached, to: try handler(webhook: nil))
        #expect(try recipients() == ["citizen_receipt": ["citizen:139****5678"]])
    }

    @Test func theFirstAndARepeatReporterEachGetTheirReceipt() throws {
        let handler = try handler(webhook: nil)
        try deliver(update(), to: handler)
        var attached = update(sequence: 2, change: .attached, phone: nil)
        attached.attachedEvent = .init(eventId: "ev-2", source: .web, sourceId: "w-1", reporter: Reporter(phone: "13912345678"))
        try deliver(attached, to: handler)
        let receipts = try stored().filter { $0.kind == "citizen_receipt" }
        #expect(receipts.count == 2)
        #expect(Set(receipts.map(\.notificationId)).count == 2)
    }

    @Test func anOlderChangeArrivingLateTellsNobodyExceptAnAttachedReportsReceipt() throws {
        let handler = try handler(webhook: "http://127.0.0.1:9/hook")
        try deliver(update(), to: handler)
        var signed = update(sequence: 3, change: .signed)
        signed.status = .signed
        try deliver(signed, to: handler)
        let before = try stored().count
        // Sequence 2, a reassignment, comes after 3 (re-sent after an outage): the sheet would send a
        // unit an order it no longer has.
        var reassigned = update(sequence: 2, change: .reassigned)
        reassigned.unitId = "city-market"
        try deliver(reassigned, to: handler)
        #expect(try stored().count == before)
        // A late attached report still gets its receipt.
        var attached = update(sequence: 2, change: .attached, phone: nil)
        attached.attachedEvent = .init(eventId: "ev-2", source: .web, sourceId: "w-1", reporter: Reporter(phone: "13912345678"))
        try deliver(attached, to: handler)
        #expect(try stored().count == before + 1)
        // Later changes still count.
        var resolved = update(sequence: 4, change: .resolved)
        resolved.status = .resolved
        try deliver(resolved, to: handler)
        #expect(try stored().count > before + 1)
    }

    @Test func progressNotesAndOnSiteTellNobody() throws {
        let handler = try handler(webhook: "http://127.0.0.1:9/hook")
        try deliver(update(sequence: 2, change: .progress), to: handler)
        try deliver(update(sequence: 3, change: .onSite), to: handler)
        #expect(try stored().isEmpty)
    }

    @Test func aHotspotGoesToTheTownsSupervisingUnit() throws {
        let alert = HotspotAlert(
            alertId: "hs-1", eventId: "ev-9", town: "当湖街道", village: nil, category: .market, theme: ["梅湾街", "小票"],
            eventIds: ["ev-1", "ev-2", "ev-9"], sources: [.hotline12345, .web], reporterCount: 3, firstReportedAt: now,
            lastReportedAt: now, windowHours: 24, detectedAt: now)
        try deliver(alert, topic: Topics.hotspotAlerts, to: try handler(webhook: nil))
        let list = try database.writer.read { db in try NotificationStore.list(subjectId: "hs-1", db: db) }
        #expect(list.map(\.recipient) == ["unit:danghu-centre"])
        #expect(list.first?.text.contains("梅湾街、小票") == true)
        #expect(list.first?.text.contains("3人") == true)
    }
}

@Suite("Channels: signing, SMS, quiet hours, rate limit, templates")
struct ChannelTests {
    @Test func webhookSignatureIsHMACSHA256OfTimestampDotBody() {
        // Computed independently: python3 -c 'import hmac,hashlib; print(hmac.new(b"Jefe",
        //   b"1795398060.what do ya want for nothing?", hashlib.sha256).hexdigest())'
        #expect(Signing.webhookSignature(body: Array("what do ya want for nothing?".utf8), secret: "Jefe", timestamp: "1795398060")
                == "sha256=22a264d6766826570815a23115bb84da190fc4a251bfa4a4be16b7b774fbe8e8")
        #expect(Signing.webhookTimestamp(Date(timeIntervalSince1970: 1_795_398_060.9)) == "1795398060")
    }

    @Test func dingTalkSigningMatchesTheRobotScheme() {
        // Computed independently with Python's hmac for timestamp 1795398060000 and secret SECdemo.
        #expect(Signing.robotSignature(timestamp: "1795398060000", secret: "SECdemo") == "IdtZDNncw+p3lRkzR3/XR3Jhx6Vi1T3sghzMywHfl2w=")
        let url = Signing.robotSignedURL("https://oapi.dingtalk.com/robot/send?access_token=abc", secret: "SECdemo",
                                         at: Date(timeIntervalSince1970: 1_795_398_060))
        #expect(url == "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1795398060000&sign=IdtZDNncw%2Bp3lRkzR3%2FXR3Jhx6Vi1T3sghzMywHfl2w%3D")
    }

    @Test(arguments: [("", 0), ("您好", 1), (String(repeating: "好", count: 70), 1), (String(repeating: "好", count: 71), 2),
                      (String(repeating: "好", count: 134), 2), (String(repeating: "好", count: 135), 3),
                      (String(repeating: "a", count: 160), 1), (String(repeating: "a", count: 161), 2)])
    func smsSegments(text: String, segments: Int) {
        #expect(SmsSegments.count(text) == segments)
    }

    @Test func quietHoursHoldNonUrgentMessagesUntilMorning() {
        let quiet = QuietHours(from: "22:00", to: "07:00", utcOffsetHours: 8)
        let lateEvening = MessageCoding.parseTimestamp("2026-11-23T23:30:00+08:00")!
        let earlyMorning = MessageCoding.parseTimestamp("2026-11-24T06:59:00+08:00")!
        let noon = MessageCoding.parseTimestamp("2026-11-24T12:00:00+08:00")!
        let seven = MessageCoding.parseTimestamp("2026-11-24T07:00:00+08:00")!
        #expect(quiet.earliestDelivery(at: lateEvening, urgent: false) == seven)
        #expect(quiet.earliestDelivery(at: earlyMorning, urgent: false) == seven)
        #expect(quiet.earliestDelivery(at: noon, urgent: false) == noon)
        #expect(quiet.earliestDelivery(at: lateEvening, urgent: true) == lateEvening)
        #expect(QuietHours(from: "00:00", to: "00:00", utcOffsetHours: 8).earliestDelivery(at: lateEvening, urgent: false) == lateEvening)
        #expect(QuietHours(from: "25:00", to: "7", utcOffsetHours: 8).problems().count == 2)
    }

    @Test func theRateLimitPostponesTheExtraMessages() {
        let limiter = RateLimiter(limit: 2, window: 60)
        let start = Date(timeIntervalSince1970: 1000)
        #expect(limiter.reserve("unit:a", message: "n1#1", now: start) == nil)
        #expect(limiter.reserve("unit:a", message: "n2#1", now: start.addingTimeInterval(1)) == nil)
        #expect(limiter.reserve("unit:a", message: "n3#1", now: start.addingTimeInterval(2)) == start.addingTimeInterval(60))
        #expect(limiter.reserve("unit:b", message: "n3#1", now: start.addingTimeInterval(2)) == nil)
        #expect(limiter.reserve("unit:a", message: "n3#1", now: start.addingTimeInterval(61)) == nil)
    }

    /// What was sent before (by this instance before a restart, or by the former owner of a partition)
    /// counts; the same attempt counts once.
    @Test func theRateLimitCountsNotedAttemptsOnce() {
        let limiter = RateLimiter(limit: 2, window: 60)
        let start = Date(timeIntervalSince1970: 1000)
        limiter.note("unit:a", message: "n1#1", at: start.addingTimeInterval(-10), now: start)
        limiter.note("unit:a", message: "n1#1", at: start.addingTimeInterval(-10), now: start)
        limiter.note("unit:a", message: "n0#1", at: start.addingTimeInterval(-70), now: start)  // outside the window
        #expect(limiter.reserve("unit:a", message: "n2#1", now: start) == nil)
        #expect(limiter.reserve("unit:a", message: "n3#1", now: start) == start.addingTimeInterval(50))
        // A reserved attempt noted again (restored from the database) is the same message.
        limiter.note("unit:a", message: "n2#1", at: start.addingTimeInterval(1), now: start.addingTimeInterval(1))
        #expect(limiter.reserve("unit:a", message: "n3#1", now: start.addingTimeInterval(51)) == nil)
    }

    @Test func robotAnswersAreRead() {
        #expect(ChannelSenders.robotOutcome(status: 200, body: Data(#"{"errcode":0,"errmsg":"ok"}"#.utf8), error: nil) == .delivered(detail: "errcode 0"))
        #expect(ChannelSenders.robotOutcome(status: 200, body: Data(#"{"errcode":310000,"errmsg":"sign not match"}"#.utf8), error: nil)
                == .rejected(detail: "robot refused: errcode 310000 sign not match"))
        if case .failed = ChannelSenders.robotOutcome(status: 200, body: Data(#"{"errcode":130101}"#.utf8), error: nil) {} else {
            Issue.record("a robot rate limit must be retried")
        }
        if case .failed = ChannelSenders.robotOutcome(status: 503, body: Data(), error: nil) {} else {
            Issue.record("a 503 must be retried")
        }
    }

    @Test func theShippedTemplatesLoadAndAMissingOneIsNamed() throws {
        let library = try TemplateLibrary.load(directory: TestSupport.configDirectory)
        let text = library.render(.citizenReceipt, "sms", MessageContext.sample)
        #expect(text.contains("WO20261123-000001"))
        #expect(SmsSegments.count("【平湖民声】" + text) <= 2)
        do {
            _ = try TemplateLibrary.load(directory: "/nonexistent")
            Issue.record("missing templates were accepted")
        } catch {
            #expect(error.description.contains("new_work_order.text.mustache is missing"))
        }
    }
}

@Suite("Notification: failures for good are dead-lettered")
struct NotificationDeadLetterTests {
    @Test func aFailedNotificationGoesToTheDeadLetterTopicWithItsBody() throws {
        let database = try ServiceDatabase.inMemory(migrations: NotificationMigrations.register)
        let now = Date(timeIntervalSince1970: 1_795_398_060)
        let planned = PlannedNotification(
            id: "nt-x", kind: .newWorkOrder, subjectId: "WO1", eventId: "ev-1", workOrderId: "WO1", recipient: "unit:u",
            unitId: "u", channel: "webhook", target: "http://127.0.0.1:9/", payload: Array("{}".utf8), urgent: false,
            notBefore: now, dedupeKey: "k", text: "t")
        try database.writer.write { db in
            try NotificationStore.insert(planned, partition: 0, db: db, now: now)
            try NotificationStore.finish(id: "nt-x", status: .failed, attempts: 12, detail: "gave up after 12 attempts: HTTP 503", db: db, now: now)
        }
        let letters = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = 'notification.dlq'")
                .map { try MessageCoding.decode(DeadLetter.self, from: Array($0["payload"] as Data)) }
        }
        #expect(letters.count == 1)
        #expect(letters.first?.reason == "gave up after 12 attempts: HTTP 503")
        #expect(letters.first?.key == "nt-x")
        #expect(Data(base64Encoded: letters.first?.originalBase64 ?? "") == Data("{}".utf8))
    }
}
