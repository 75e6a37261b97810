import Foundation
import MinshengModel
import Testing

/// A burst of similar complaints about one problem in one area, through the running services: one
/// hotspot alert naming them, and the caller who rang twice linked as a repeat. (In the end-to-end
/// suite, whose tests run one after another: two stacks at once would share consumer groups.)
extension EndToEndTests {
    @Test func similarComplaintsRaiseOneHotspotAndLinkTheRepeat() async throws {
        let stack = try await ServiceStack.start(bootstrap: try TestBroker.address())
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
        for report in reports {
            try kcatProduce(stack.bootstrap, topic: report.topic, key: report.id, value: report.json)
        }

        let alerts = try await eventually {
            let found = try kcatConsume(stack.bootstrap, topic: "alerts.hotspots").filter { alert in
                let members = try classifiedSourceIds(stack, eventIds: alert["eventIds"] as? [String] ?? [])
                return members.contains { $0.hasPrefix("hs-\(run)") }
            }
            return found.isEmpty ? nil : found
        }
        let alert = try #require(alerts?.first, "no hotspot alert; logs in \(stack.directory)")
        #expect(alerts?.count == 1)
        let members = try classifiedSourceIds(stack, eventIds: alert["eventIds"] as? [String] ?? [])
        #expect(Set(members) == Set(reports.map(\.id)))
        #expect(alert["reporterCount"] as? Int == 3)
        #expect((alert["theme"] as? [String])?.contains { $0.contains("梅湾街") || $0.contains("小票") } == true)
        #expect(Set(alert["sources"] as? [String] ?? []) == ["hotline12345", "web", "police110"])

        // The second call of the same caller is linked to the first.
        let classified = try kcatConsume(stack.bootstrap, topic: "events.classified")
        let first = try #require(classified.first { $0["sourceId"] as? String == reports[0].id })
        let repeatCall = try #require(classified.first { $0["sourceId"] as? String == reports[1].id })
        #expect(repeatCall["duplicateOf"] as? String == first["eventId"] as? String)
        #expect(first["duplicateOf"] == nil)
    }

    /// The source ids of classified events, by event id.
    func classifiedSourceIds(_ stack: ServiceStack, eventIds: [String]) throws -> [String] {
        let classified = try kcatConsume(stack.bootstrap, topic: "events.classified")
        return eventIds.compactMap { id in classified.first { $0["eventId"] as? String == id }?["sourceId"] as? String }
    }
}
