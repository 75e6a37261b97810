import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengClassification

/// Classification's window restored from its changelog (issue 9): an instance with an empty disk that
/// reads the changelog records another instance wrote answers the next reports as that instance would.
@Suite("Classification window restore")
struct ClassificationRestoreTests {
    typealias H = ClassificationHarness

    /// The changelog records a harness wrote, as the broker would hand them back (offsets in order).
    static func changelog(of harness: H) throws -> [KafkaMessage] {
        try harness.database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT message_key, payload, target_partition FROM outbox WHERE topic = ? ORDER BY id
                """, arguments: [Topics.classificationWindowChangelog]).enumerated().map { offset, row in
                KafkaMessage(topic: Topics.classificationWindowChangelog, partition: row["target_partition"] ?? 0,
                             offset: Int64(offset), key: Array((row["message_key"] as String).utf8), value: Array(row["payload"] as Data))
            }
        }
    }

    static func restore(_ records: [KafkaMessage], into harness: H) throws {
        let state = ClassificationService.makeState(parts: H.parts, handler: harness.handler, logger: Logger(label: "test"),
                                                    clock: { H.start.addingTimeInterval(3 * 3600) })
        try harness.database.writer.write { db in
            for record in records { try state.restore(record, db: db) }
        }
    }

    static let parking = RepeatAndHotspotTests.parking

    @Test func anEmptyDiskRestoredFromTheChangelogGivesTheSameRepeatsAndHotspot() throws {
        let original = try H()
        let events = Self.parking.map { H.event($0.text, source: $0.source, phone: $0.phone, hoursLater: $0.hours) }
        var raised: HotspotAlert?
        for event in events { raised = try original.deliver(event).alerts.first ?? raised }
        let alert = try #require(raised)
        #expect(alert.alertId == "hs-\(events[0].eventId)")  // from its first report: whoever raises it, the same id

        let records = try Self.changelog(of: original)
        #expect(records.contains { $0.keyString == "hotspot/\(alert.alertId)" })
        #expect(Set(records.compactMap(\.keyString).filter { $0.hasPrefix("report/") }) == Set(events.map { "report/\($0.eventId)" }))

        let restored = try H()
        try Self.restore(records, into: restored)
        #expect(restored.handler.window.detector.index.count == events.count)

        // The next reports: a fifth person on the same problem, and a report on something else in the town.
        let fifth = H.event("三港路路边停车收费乱，收费员用私人二维码收钱不开票", phone: "13700000003", hoursLater: 3)
        let other = H.event("当湖街道新华路菜场门口垃圾桶满了好几天没人清运，气味很大", phone: "13600000004", hoursLater: 3.1)
        for event in [fifth, other] {
            let expected = try original.deliver(event)
            let got = try restored.deliver(event)
            #expect(got.classified.duplicateOf == expected.classified.duplicateOf)
            #expect(got.alerts.map(\.alertId) == expected.alerts.map(\.alertId))
            #expect(got.alerts.map(\.revision) == expected.alerts.map(\.revision))
            #expect(got.alerts.map(\.eventIds) == expected.alerts.map(\.eventIds))
            #expect(got.alerts.map(\.reporterCount) == expected.alerts.map(\.reporterCount))
        }
        let grown = try #require(try restored.deliver(H.event("三港路停车又被收了10元，还是私人收款码不给票", phone: "13500000005",
                                                             hoursLater: 3.2)).alerts.first)
        #expect(grown.alertId == alert.alertId)
    }

    @Test func aReportAlreadyInTheWindowIsAnsweredAgainWithoutChangingIt() throws {
        let original = try H()
        let events = Self.parking.map { H.event($0.text, source: $0.source, phone: $0.phone, hoursLater: $0.hours) }
        for event in events { try original.deliver(event) }
        let restored = try H()
        try Self.restore(try Self.changelog(of: original), into: restored)
        let before = try Self.changelog(of: restored).count
        let again = try restored.deliver(events[2])  // handed on once more, after the hand-over
        #expect(again.classified.duplicateOf == events[0].eventId)
        #expect(again.alerts.isEmpty)
        #expect(try Self.changelog(of: restored).count == before)
    }

    @Test func anOlderRecordNeverReplacesANewerOne() throws {
        let original = try H()
        let events = Self.parking.map { H.event($0.text, source: $0.source, phone: $0.phone, hoursLater: $0.hours) }
        for event in events { try original.deliver(event) }
        let records = try Self.changelog(of: original)
        // The first report's row: version 1 when it entered, version 2 when the hotspot took it in.
        let firstKey = "report/\(events[0].eventId)"
        let versions = try records.filter { $0.keyString == firstKey }.map { try $0.decode(ClassificationWindowRecord.self) }
        #expect(versions.map { $0.report?.version } == [1, 2])
        let restored = try H()
        try Self.restore(records + records.filter { $0.keyString == firstKey }.prefix(1), into: restored)  // a late re-send
        let row = try restored.database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT hotspot_id, version FROM recent_event WHERE event_id = ?", arguments: [events[0].eventId])
        }
        #expect(row?["version"] as Int? == 2)
        #expect(row?["hotspot_id"] as String? == "hs-\(events[0].eventId)")
    }
}
