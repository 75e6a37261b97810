import Foundation
import MinshengModel
import Testing

/// A burst of similar complaints about one problem in one area, through the running services: one
/// hotspot alert naming them, and the caller who rang twice linked as a repeat. (In the end-to-end
/// suite, whose tests run one after another: two stacks at once would share consumer groups.)
///
/// The first report of a matter is the one that occurred first (docs/classification.md). The first call is
/// sent and classified before the others, as when a caller rings back after the first call was handled:
/// the repeat and the other reports then link to it whatever order the later three are classified in
/// (they travel on different topics and partitions), and the hotspot, raised when the third person
/// reports and published again as it grows, ends holding all four.
extension ServiceStacks.EndToEndTests {
    @Test func similarComplaintsRaiseOneHotspotAndLinkTheRepeat() async throws {
        // A broker of its own: notification restores its state from the changelog, and another stack's
        // work orders on the shared broker have the same numbers (WO<date>-000001, …).
        let broker = try await PrivateBroker.start()
        defer { broker.stop() }
        let stack = try await ServiceStack.start(bootstrap: broker.address)
        defer { stack.stopAll() }
        let run = UUID().uuidString.prefix(8).lowercased()
        let reports: [(topic: String, id: String, json: String)] = [
            ("intake.hotline12345", "hs-\(run)-1",
             #"{"id":"hs-\#(run)-1","occurredAt":"2026-11-23T09:00:00+08:00","text":"市民反映三港路梅湾街停车场停车半小时收10元，不给小票","requestType":"complaint","reporter":{"name":"王女士","phone":"13800001111"},"address":"平湖市当湖街道三港路"}"#),
            ("intake.hotline12345", "hs-\(run)-2",
             #"{"id":"hs-\#(run)-2","occurredAt":"2026-11-23T09:30:00+08:00","text":"市民再次来电反映三港路梅湾街停车场停车半小时收10元，还是不给小票","requestType":"complaint","reporter":{"name":"王女士","phone":"13800001111"},"address":"平湖市当湖街道三港路"}"#),
            ("intake.web", "hs-\(run)-3",
             #"{"id":"hs-\#(run)-3","occurredAt":"2026-11-23T10:00:00+08:00","text":"三港路梅湾街停车收费太黑了，半小时10块还不给小票😡"}"#),
            ("intake.police110", "hs-\(run)-4",
             #"{"id":"hs-\#(run)-4","occurredAt":"2026-11-23T10:20:00+08:00","text":"报警人称在三港路梅湾街停车被收10元，收费员不给小票还骂人","reporter":{"phone":"13900002222"}}"#),
        ]
        func classified(_ sourceId: String) throws -> [String: Any]? {
            try kcatConsume(stack.bootstrap, topic: "events.classified").first { $0["sourceId"] as? String == sourceId }
        }

        try kcatProduce(stack.bootstrap, topic: reports[0].topic, key: reports[0].id, value: reports[0].json)
        let first = try #require(try await eventually { try classified(reports[0].id) }, "first report not classified; logs in \(stack.directory)")
        for report in reports.dropFirst() {
            try kcatProduce(stack.bootstrap, topic: report.topic, key: report.id, value: report.json)
        }

        // The latest revision of each hotspot holding these reports, once one holds all four.
        let alerts = try await eventually { () -> [String: [String: Any]]? in
            var latest: [String: [String: Any]] = [:]
            for alert in try kcatConsume(stack.bootstrap, topic: "alerts.hotspots") {
                let members = try classifiedSourceIds(stack, eventIds: alert["eventIds"] as? [String] ?? [])
                guard members.contains(where: { $0.hasPrefix("hs-\(run)") }), let id = alert["alertId"] as? String else { continue }
                if (alert["revision"] as? Int ?? 1) >= (latest[id]?["revision"] as? Int ?? 0) { latest[id] = alert }
            }
            let whole = try latest.values.contains { alert in
                try Set(classifiedSourceIds(stack, eventIds: alert["eventIds"] as? [String] ?? [])) == Set(reports.map(\.id))
            }
            return whole ? latest : nil
        }
        let found = try #require(alerts, "no hotspot holding all four reports; logs in \(stack.directory)")
        #expect(found.count == 1)
        let alert = try #require(found.values.first)
        #expect(alert["reporterCount"] as? Int == 3)
        #expect((alert["theme"] as? [String])?.contains { $0.contains("梅湾街") || $0.contains("小票") } == true)
        #expect(Set(alert["sources"] as? [String] ?? []) == ["hotline12345", "web", "police110"])
        #expect((alert["revision"] as? Int ?? 0) >= 1)

        // The second call of the same caller names the first; so do the other two.
        #expect(first["duplicateOf"] == nil)
        for report in reports.dropFirst() {
            let later = try #require(try classified(report.id))
            #expect(later["duplicateOf"] as? String == first["eventId"] as? String, "\(report.id)")
        }
    }

    /// The source ids of classified events, by event id.
    func classifiedSourceIds(_ stack: ServiceStack, eventIds: [String]) throws -> [String] {
        let classified = try kcatConsume(stack.bootstrap, topic: "events.classified")
        return eventIds.compactMap { id in classified.first { $0["eventId"] as? String == id }?["sourceId"] as? String }
    }
}
