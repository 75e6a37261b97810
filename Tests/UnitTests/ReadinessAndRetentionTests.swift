import Foundation
import GRDB
import Logging
import MinshengModel
import Testing
@testable import MinshengPlatform

@Suite("Readiness: ready, degraded, failing")
struct ReadinessTests {
    @Test func nothingReportedIsNotReady() {
        #expect(Readiness().report.status == "not_ready")
    }

    @Test func aDegradedPartIsShownButTheServiceStillAnswers() {
        let readiness = Readiness()
        readiness.set("http", .ready)
        readiness.set("kafka", .degraded("no broker"))
        let report = readiness.report
        #expect(report.status == "degraded")
        #expect(report.parts == ["http": true, "kafka": true])
        #expect(report.checks["kafka"] == .init(status: "degraded", reason: "no broker"))
        #expect(readiness.snapshot.ready)
    }

    @Test func aFailingPartMakesItNotReady() {
        let readiness = Readiness()
        readiness.set("http", .ready)
        readiness.set("kafka", .degraded("no broker"))
        readiness.set("database", .failing("disk full"))
        let report = readiness.report
        #expect(report.status == "not_ready")
        #expect(report.parts["database"] == false)
        #expect(report.checks["database"]?.reason == "disk full")
        #expect(!readiness.snapshot.ready)
    }
}

@Suite("Processing settings: batch size and retention periods")
struct ProcessingSettingsTests {
    @Test func defaults() throws {
        let settings = try ServiceSettings.load(for: .intake, environment: [:]).processing
        #expect(settings == ProcessingSettings())
        #expect(settings.batchMax == 500)
        #expect(settings.processedRetention == .seconds(7 * 86_400))
    }

    @Test func periodsAreRead() throws {
        let settings = try ServiceSettings.load(for: .dispatch, environment: [
            "MINSHENG_BATCH_MAX": "50", "MINSHENG_RETENTION_PROCESSED": "36h", "MINSHENG_RETENTION_SENT": "30m",
            "MINSHENG_RETENTION_RECORDS": "365d",
        ]).processing
        #expect(settings.batchMax == 50)
        #expect(settings.processedRetention == .seconds(36 * 3600))
        #expect(settings.sentRetention == .seconds(1800))
        #expect(settings.recordRetention == .seconds(365 * 86_400))
    }

    @Test(arguments: [
        ("MINSHENG_BATCH_MAX", "0"), ("MINSHENG_BATCH_MAX", "lots"), ("MINSHENG_RETENTION_PROCESSED", "7"),
        ("MINSHENG_RETENTION_PROCESSED", "10m"), ("MINSHENG_RETENTION_SENT", "1w"), ("MINSHENG_RETENTION_RECORDS", "2h"),
    ])
    func badValuesNameTheVariable(name: String, value: String) {
        #expect {
            try ServiceSettings.load(for: .notification, environment: [name: value])
        } throws: { error in
            "\(error)".hasPrefix("\(name)=\(value) is invalid")
        }
    }
}

@Suite("Retention sweeper")
struct RetentionSweeperTests {
    @Test func oldRowsGoAndTheRestStays() async throws {
        let database = try ServiceDatabase.inMemory { _ in }
        let now = Date()
        @Sendable func ts(_ secondsAgo: Double) -> String { MessageCoding.formatTimestamp(now.addingTimeInterval(-secondsAgo)) }
        try await database.writer.write { db in
            for index in 0..<12_000 {
                try db.execute(sql: "INSERT INTO processed_message (message_key, coordinates, processed_at) VALUES (?, 't/0/0', ?)",
                               arguments: ["old-\(index)", ts(8 * 86_400)])
            }
            try db.execute(sql: "INSERT INTO processed_message (message_key, coordinates, processed_at) VALUES ('new', 't/0/1', ?)",
                           arguments: [ts(60)])
            try Outbox.enqueue(db, topic: "t", key: "sent-long-ago", payload: [1])
            try Outbox.enqueue(db, topic: "t", key: "sent-just-now", payload: [2])
            try Outbox.enqueue(db, topic: "t", key: "unsent", payload: [3])
            try db.execute(sql: "UPDATE outbox SET sent_at = ? WHERE message_key = 'sent-long-ago'", arguments: [ts(7200)])
            try db.execute(sql: "UPDATE outbox SET sent_at = ? WHERE message_key = 'sent-just-now'", arguments: [ts(10)])
            try db.execute(sql: "UPDATE outbox SET created_at = ? WHERE message_key = 'unsent'", arguments: [ts(9 * 86_400)])
        }
        let settings = ProcessingSettings()
        let sweeper = RetentionSweeper(
            database: database.writer, rules: [.processedMessages(settings), .sentOutbox(settings)], logger: Logger(label: "test"))
        let deleted = try await sweeper.sweep(now: now)
        #expect(deleted == ["processed_message": 12_000, "outbox": 1])
        let (keys, outbox) = try await database.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT message_key FROM processed_message"),
             try String.fetchAll(db, sql: "SELECT message_key FROM outbox ORDER BY id"))
        }
        #expect(keys == ["new"])
        #expect(outbox == ["sent-just-now", "unsent"])  // an unsent row is never pruned, however old
    }
}
