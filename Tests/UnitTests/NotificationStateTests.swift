import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengNotification

/// Notification's partitioned state (docs/scaling.md): every change is in the changelog, restoring it
/// into an empty database gives the same state, restoring is idempotent, and an older record changes
/// nothing; stale changes and the SMS limit work on restored state.
@Suite("Notification: partitioned state, changelog and restore")
struct NotificationStateTests {
    let now = MessageCoding.parseTimestamp("2026-11-23T02:00:00Z")!  // 10:00 in China

    static func database() throws -> ServiceDatabase {
        try ServiceDatabase.inMemory(migrations: NotificationMigrations.register)
    }

    func handler(smsLimit: SmsDailyLimit? = nil) throws -> TriggerHandler {
        var settings = try ChannelSettings.load(directory: TestSupport.configDirectory, units: try TestSupport.units(), demoMode: false)
        settings.sms.url = "https://sms.example/send"
        var units = try TestSupport.units()
        units.units = units.units.map { var unit = $0; if unit.id == "danghu-team" { unit.webhook = "https://unit.example/hook" }; return unit }
        let planner = NotificationPlanner(units: units, settings: settings,
                                          templates: try TemplateLibrary.load(directory: TestSupport.configDirectory))
        return TriggerHandler(planner: planner, logger: Logger(label: "test"), onCommit: {}, smsLimit: smsLimit)
    }

    func update(_ workOrderId: String = "WO20261123-000001", sequence: Int = 1, change: WorkOrderUpdate.Change = .created,
                phone: String? = "13812341234") -> WorkOrderUpdate {
        WorkOrderUpdate(
            eventId: "ev-\(workOrderId)", workOrderId: workOrderId, sequence: sequence, change: change, status: .dispatched,
            unitId: "danghu-team", unitName: "当湖街道民声一键办服务队", category: .urbanManagement, level: .normal,
            town: "当湖街道", village: "东湖社区", grid: nil, source: .hotline12345, sourceId: "12345-\(workOrderId)",
            text: "三港路占道经营", address: "三港路", reporter: Reporter(name: "王小明", phone: phone),
            occurredAt: now, signBy: now.addingTimeInterval(1800), resolveBy: now.addingTimeInterval(86400), at: now)
    }

    func deliver(_ value: some Encodable, topic: String = Topics.workOrderUpdates, partition: Int32, to handler: TriggerHandler,
                 in database: ServiceDatabase, at time: Date? = nil) throws {
        let message = KafkaMessage(topic: topic, partition: partition, offset: 0, key: Array("k".utf8), value: try MessageCoding.encode(value))
        try database.writer.write { db in try handler.handle(message, db: db, now: time ?? now) }
    }

    /// The changelog records in the outbox, in the order they would be published, as the restore reads them.
    func changelog(of database: ServiceDatabase) throws -> [KafkaMessage] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE topic = ? ORDER BY id", arguments: [Topics.notificationChangelog])
                .enumerated().map { index, row in
                    KafkaMessage(topic: Topics.notificationChangelog, partition: row["target_partition"], offset: Int64(index),
                                 key: Array((row["message_key"] as String).utf8), value: Array(row["payload"] as Data))
                }
        }
    }

    func restore(_ records: [KafkaMessage], into database: ServiceDatabase, state: DeliveriesState = DeliveriesState()) throws {
        try database.writer.write { db in for record in records { try state.restore(record, db: db) } }
    }

    /// The first rows that differ, for a failure's message.
    static func difference(_ expected: [String], _ actual: [String]) -> String {
        let missing = expected.filter { !actual.contains($0) }
        let extra = actual.filter { !expected.contains($0) }
        return "missing: \(missing.prefix(3)); unexpected: \(extra.prefix(3))"
    }

    /// Everything the state holds, comparable across databases.
    func snapshot(_ database: ServiceDatabase) throws -> [String] {
        try database.writer.read { db in
            let notifications = try Row.fetchAll(db, sql: """
                SELECT notification_id, kind, subject_id, event_id, work_order_id, recipient, unit_id, channel, target, hex(payload),
                       text, urgent, status, attempts, next_attempt_at, created_at, finished_at, last_error, dedupe_key, partition, version
                FROM notification ORDER BY notification_id
                """).map { "\($0)" }
            let attempts = try Row.fetchAll(db, sql: """
                SELECT notification_id, attempt, at, outcome, detail, duration_ms FROM delivery_attempt ORDER BY notification_id, attempt
                """).map { "\($0)" }
            let changes = try Row.fetchAll(db, sql: "SELECT * FROM work_order_change ORDER BY work_order_id").map { "\($0)" }
            return notifications + attempts + changes
        }
    }

    func pending(_ id: String, in database: ServiceDatabase) throws -> NotificationStore.Pending {
        try #require(try database.writer.read { db in
            try NotificationStore.due(db, now: now.addingTimeInterval(86_400 * 2), limit: 100).first { $0.id == id }
        })
    }

    /// A life with every kind of change: planned on two partitions, postponed, failed and retried,
    /// delivered, refused, a stale change, an attached report, a hotspot.
    func liveALife(in database: ServiceDatabase) throws {
        let handler = try handler()
        try deliver(update(), partition: 2, to: handler, in: database)
        try deliver(update("WO20261123-000002", phone: nil), partition: 4, to: handler, in: database)
        var signed = update(sequence: 3, change: .signed)
        signed.status = .signed
        try deliver(signed, partition: 2, to: handler, in: database)
        var attached = update(sequence: 2, change: .attached, phone: nil)
        attached.attachedEvent = .init(eventId: "ev-2", source: .web, sourceId: "w-1", reporter: Reporter(phone: "13912345678"))
        try deliver(attached, partition: 2, to: handler, in: database)  // late, but its receipt is due
        try deliver(update(sequence: 2, change: .reassigned), partition: 2, to: handler, in: database)  // stale: nothing
        let alert = HotspotAlert(
            alertId: "hs-1", eventId: "ev-9", town: "当湖街道", village: nil, category: .market, theme: ["梅湾街"],
            eventIds: ["ev-1", "ev-9"], sources: [.hotline12345], reporterCount: 2, firstReportedAt: now, lastReportedAt: now,
            windowHours: 24, detectedAt: now)
        try deliver(alert, topic: Topics.hotspotAlerts, partition: 5, to: handler, in: database)

        let policy = RetryPolicy()
        let ids = try database.writer.read { db in try String.fetchAll(db, sql: "SELECT notification_id FROM notification WHERE status = 'pending' ORDER BY notification_id") }
        try #require(ids.count >= 4)
        let (first, second, third) = (try pending(ids[0], in: database), try pending(ids[1], in: database), try pending(ids[2], in: database))
        try database.writer.write { db in
            _ = try DeliveryWorker.record(.failed(detail: "HTTP 503"), of: first, attempt: 1, duration: .milliseconds(12), policy: policy,
                                          db: db, now: now.addingTimeInterval(1))
            try DeliveryWorker.postpone(second, until: now.addingTimeInterval(60), db: db, now: now)
            _ = try DeliveryWorker.record(.rejected(detail: "HTTP 404"), of: third, attempt: 1,
                                          duration: .milliseconds(5), policy: policy, db: db, now: now.addingTimeInterval(2))
        }
        let (retried, fourth) = (try pending(ids[0], in: database), try pending(ids[3], in: database))
        #expect(retried.attempts == 1)
        try database.writer.write { db in
            _ = try DeliveryWorker.record(.delivered(detail: "HTTP 200"), of: retried, attempt: 2,
                                          duration: .milliseconds(7), policy: policy, db: db, now: now.addingTimeInterval(3))
            _ = try DeliveryWorker.record(.delivered(detail: "HTTP 200"), of: fourth, attempt: 1,
                                          duration: .milliseconds(7), policy: policy, db: db, now: now.addingTimeInterval(3))
        }
    }

    @Test func restoringTheChangelogIntoAnEmptyDatabaseGivesTheSameState() throws {
        let original = try Self.database()
        try liveALife(in: original)
        let restored = try Self.database()
        try restore(try changelog(of: original), into: restored)
        let state = try snapshot(original)
        #expect(state.count > 10)
        let restoredState = try snapshot(restored)
        #expect(restoredState == state, "\(Self.difference(state, restoredState))")
        // Every notification and the work orders' changes, each in the partition of its message.
        let partitions = try restored.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT subject_id, partition FROM notification").map { "\($0["subject_id"] as String)=\($0["partition"] as Int)" }
        }
        #expect(Set(partitions) == ["WO20261123-000001=2", "WO20261123-000002=4", "hs-1=5"])
    }

    @Test func restoringIsIdempotentAndOlderRecordsChangeNothing() throws {
        let original = try Self.database()
        try liveALife(in: original)
        let records = try changelog(of: original)
        let restored = try Self.database()
        try restore(records, into: restored)
        let state = try snapshot(restored)
        // Again, and then every record in reverse order (each older one late): nothing changes.
        try restore(records, into: restored)
        try restore(records.reversed(), into: restored)
        #expect(try snapshot(restored) == state)
        // Reversed into an empty database: the newest record of each key still wins.
        let reversed = try Self.database()
        try restore(records.reversed(), into: reversed)
        #expect(try snapshot(reversed) == state)
    }

    @Test func aLateRecordOfAPendingNotificationDoesNotUndoItsDelivery() throws {
        let database = try Self.database()
        try deliver(update(phone: nil), partition: 1, to: try handler(), in: database)
        let planned = try changelog(of: database)
        let id = try #require(try database.writer.read { db in try String.fetchOne(db, sql: "SELECT notification_id FROM notification") })
        let notification = try pending(id, in: database)
        try database.writer.write { db in
            _ = try DeliveryWorker.record(.delivered(detail: "HTTP 200"), of: notification, attempt: 1,
                                          duration: .milliseconds(3), policy: RetryPolicy(), db: db, now: now)
        }
        let restored = try Self.database()
        try restore(try changelog(of: database), into: restored)
        try restore(planned, into: restored)  // the planning record again, late
        #expect(try restored.writer.read { db in try String.fetchOne(db, sql: "SELECT status FROM notification") } == "delivered")
        #expect(try restored.writer.read { db in try NotificationStore.due(db, now: now.addingTimeInterval(3600), limit: 10) }.isEmpty)
        // A work order's older change after a newer one changes nothing either.
        let change = { (sequence: Int) in
            NotificationChangelogRecord(workOrderChange: .init(workOrderId: "WO1", sequence: sequence,
                                                               seenAt: MessageCoding.formatTimestamp(self.now)))
        }
        try restored.writer.write { db in
            try NotificationChangelog.apply(change(5), partition: 1, db: db, now: now)
            try NotificationChangelog.apply(change(3), partition: 1, db: db, now: now)
        }
        #expect(try restored.writer.read { db in try TriggerHandler.latestSequence(of: "WO1", db: db) } == 5)
    }

    @Test func aNewOwnerWithRestoredStateIgnoresStaleChangesAndDoesNotPlanTwice() throws {
        let old = try Self.database()
        let handler = try handler()
        try deliver(update(), partition: 3, to: handler, in: old)
        var signed = update(sequence: 3, change: .signed)
        signed.status = .signed
        try deliver(signed, partition: 3, to: handler, in: old)
        let new = try Self.database()
        try restore(try changelog(of: old), into: new)
        let before = try snapshot(new)
        // The new owner gets the same messages again (offsets not committed) and a stale one: nothing new.
        try deliver(update(), partition: 3, to: handler, in: new)
        try deliver(signed, partition: 3, to: handler, in: new)
        try deliver(update(sequence: 2, change: .reassigned), partition: 3, to: handler, in: new)
        #expect(try snapshot(new) == before)
        // A later change is acted on.
        var resolved = update(sequence: 4, change: .resolved)
        resolved.status = .resolved
        try deliver(resolved, partition: 3, to: handler, in: new)
        #expect(try snapshot(new).count > before.count)
    }

    @Test func theDailySmsCountMovesWithItsPartitionAndIsCountedPerPartition() throws {
        let limit = SmsDailyLimit(perPhonePerDay: 2, utcOffsetHours: 8)
        let old = try Self.database()
        for number in 1...2 { try deliver(update("WO20261123-00000\(number)"), partition: 0, to: try handler(smsLimit: limit), in: old) }
        let new = try Self.database()
        try restore(try changelog(of: old), into: new)
        try deliver(update("WO20261123-000003"), partition: 0, to: try handler(smsLimit: limit), in: new)
        // The same phone through a matter of another partition is counted there (docs/notifications.md).
        try deliver(update("WO20261123-000004"), partition: 1, to: try handler(smsLimit: limit), in: new)
        let statuses = try new.writer.read { db in
            try String.fetchAll(db, sql: "SELECT status FROM notification WHERE channel = 'sms' ORDER BY work_order_id")
        }
        #expect(statuses == ["pending", "pending", "capped", "pending"])
    }

    @Test func recordsComeAfterTheOutputsOfTheirChangeAndTheWorkOrdersChangeLast() throws {
        let database = try Self.database()
        // No webhook for the lead unit: the sheet is undeliverable at once, a delivery result is published.
        var units = try TestSupport.units()
        units.units = units.units.map { var unit = $0; if unit.id == "danghu-team" { unit.webhook = nil }; return unit }
        var settings = try ChannelSettings.load(directory: TestSupport.configDirectory, units: units, demoMode: false)
        settings.sms.url = "https://sms.example/send"
        let handler = TriggerHandler(
            planner: NotificationPlanner(units: units, settings: settings, templates: try TemplateLibrary.load(directory: TestSupport.configDirectory)),
            logger: Logger(label: "test"), onCommit: {})
        try deliver(update(), partition: 2, to: handler, in: database)
        let rows = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT topic, message_key, target_partition FROM outbox ORDER BY id")
        }
        let topics = rows.map { $0["topic"] as String }
        let lastResult = try #require(topics.lastIndex(of: Topics.notificationDeliveries))
        let firstRecord = try #require(topics.firstIndex(of: Topics.notificationChangelog))
        #expect(lastResult < firstRecord)
        #expect((rows.last?["message_key"] as String?) == "work-order:WO20261123-000001")
        for row in rows where row["topic"] as String == Topics.notificationChangelog { #expect(row["target_partition"] as Int32? == 2) }
    }

    @Test func theWorkerTakesOnlyOwnedPartitionsAndWhatWasStoredBeforePartitioning() throws {
        let database = try Self.database()
        let handler = try handler()
        try deliver(update("WO20261123-000001", phone: nil), partition: 0, to: handler, in: database)
        try deliver(update("WO20261123-000002", phone: nil), partition: 1, to: handler, in: database)
        try database.writer.write { db in
            try db.execute(sql: "UPDATE notification SET partition = NULL WHERE work_order_id = 'WO20261123-000002'")
        }
        try deliver(update("WO20261123-000003", phone: nil), partition: 2, to: handler, in: database)
        let later = now.addingTimeInterval(60)
        let due = try database.writer.read { db in try NotificationStore.due(db, now: later, limit: 10, partitions: [2]) }
        #expect(Set(due.compactMap(\.workOrderId)) == ["WO20261123-000002", "WO20261123-000003"])
        #expect(try database.writer.read { db in try NotificationStore.due(db, now: later, limit: 10, partitions: []) }.map(\.workOrderId)
                == ["WO20261123-000002"])
        #expect(try database.writer.read { db in try NotificationStore.due(db, now: later, limit: 10) }.count == 3)
    }

    @Test func finishedNotificationsBeyondTheRetentionAreNotRestored() throws {
        let old = try Self.database()
        try deliver(update(phone: nil), partition: 0, to: try handler(), in: old)
        let id = try #require(try old.writer.read { db in try String.fetchOne(db, sql: "SELECT notification_id FROM notification") })
        let notification = try pending(id, in: old)
        try old.writer.write { db in
            _ = try DeliveryWorker.record(.delivered(detail: "HTTP 200"), of: notification, attempt: 1,
                                          duration: .milliseconds(3), policy: RetryPolicy(), db: db, now: now)
        }
        // Written 10 days ago (the restore goes by the clock): restored with 90 days' retention.
        let toToday = Date().timeIntervalSince(now)
        let recent = try Self.database()
        try restore(Self.shifted(try changelog(of: old), by: toToday - 10 * 86_400), into: recent,
                    state: DeliveriesState(retention: 90 * 86_400))
        #expect(try recent.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification") } == 1)
        // Written 100 days ago: nothing of it comes back.
        let later = Self.shifted(try changelog(of: old), by: toToday - 100 * 86_400)
        let aged = try Self.database()
        try restore(later, into: aged, state: DeliveriesState(retention: 90 * 86_400))
        #expect(try aged.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification") } == 0)
        #expect(try aged.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM work_order_change") } == 0)
    }

    /// The records with every timestamp moved by `seconds` (as if written that long ago).
    static func shifted(_ records: [KafkaMessage], by seconds: TimeInterval) -> [KafkaMessage] {
        records.map { record in
            var value = try! MessageCoding.decode(NotificationChangelogRecord.self, from: record.value)
            func move(_ text: String) -> String {
                MessageCoding.formatTimestamp(MessageCoding.parseTimestamp(text)!.addingTimeInterval(seconds))
            }
            if var notification = value.notification {
                notification.createdAt = move(notification.createdAt)
                notification.nextAttemptAt = move(notification.nextAttemptAt)
                notification.finishedAt = notification.finishedAt.map(move)
                notification.history = notification.history.map { var attempt = $0; attempt.at = move(attempt.at); return attempt }
                value.notification = notification
            }
            if var change = value.workOrderChange {
                change.seenAt = move(change.seenAt)
                value.workOrderChange = change
            }
            return KafkaMessage(topic: record.topic, partition: record.partition, offset: record.offset, key: record.key,
                                value: try! MessageCoding.encode(value))
        }
    }

    @Test func aTombstoneDeletesWhatItsKeyHolds() throws {
        let source = try Self.database()
        try deliver(update(), partition: 2, to: try handler(), in: source)
        let records = try changelog(of: source)
        let restored = try Self.database()
        try restore(records, into: restored)
        let keys = Set(records.compactMap(\.keyString).filter { $0.hasPrefix("nt-") })
        #expect(keys.count >= 2, "the change plans a sheet and a receipt at least: \(keys)")
        let dropped = try #require(keys.sorted().first)
        let tombstones = ["work-order:WO20261123-000001", dropped].map {
            KafkaMessage(topic: Topics.notificationChangelog, partition: 2, offset: 99, key: Array($0.utf8), value: [])
        }
        try restore(tombstones, into: restored)
        let (changes, notification, attempts, left) = try restored.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM work_order_change"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE notification_id = ?", arguments: [dropped]),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery_attempt WHERE notification_id = ?", arguments: [dropped]),
             Set(try String.fetchAll(db, sql: "SELECT notification_id FROM notification")))
        }
        #expect(changes == 0 && notification == 0 && attempts == 0)
        // The other notifications of the change stay.
        #expect(left == keys.subtracting([dropped]))
        let keyless = KafkaMessage(topic: Topics.notificationChangelog, partition: 2, offset: 100, key: nil, value: [])
        #expect(throws: NotificationChangelogError.self) { try restore([keyless], into: restored) }
    }

    @Test func aRecordThatCannotBeReadStopsTheRestoreWithAReason() throws {
        let database = try Self.database()
        let bad = KafkaMessage(topic: Topics.notificationChangelog, partition: 0, offset: 7, key: Array("x".utf8),
                               value: Array(#"{"schemaVersion":2,"notification":{}}"#.utf8))
        #expect(throws: NotificationChangelogError.self) { try restore([bad], into: database) }
    }
}
