import Foundation
import MinshengModel
import MinshengPlatform
import Testing

extension ServiceStacks {
    /// Classification as three instances (issue 9): reports of one problem reach different instances on
    /// `events.accepted`, meet in the owner of their town, and the owner is killed (-9) and replaced by one with
    /// an empty disk under the same instance id: every event classified, repeats linked to the same first
    /// report, one hotspot that carries on growing.
    @Suite("Scale-out: classification", .enabled(if: TestBroker.enabled), .serialized)
    struct ClassificationScaleOutTests {
        static let texts: [(text: String, phone: String)] = [
            ("市民反映三港路梅湾街路边停车半小时收10元，收费的人只让扫个人收款码，不给小票", "13800000001"),
            ("市民再次来电，称三港路停车收费的人还在收钱，扫的还是私人码，还是不给票", "13800000001"),
            ("三港路停个车被收了10块 收款码是个人的，要票说没有", "13800000002"),
            ("报警人称在三港路停车被人收了十元停车费，对方用自己的收款码，不给收据", "13900000002"),
            ("三港路路边停车收费乱，收费员用私人二维码收钱不开票", "13700000003"),
            ("三港路停车又被收了10元，还是私人收款码不给票", "13500000005"),
            ("市民反映三港路梅湾街停车被收10元，收费员用个人收款码，不给小票", "13600000006"),
            ("三港路梅湾街路边停车收费的人用私人收款码收钱，不开票", "13300000007"),
        ]

        static func accepted(_ index: Int, run: String, start: Date) -> (id: String, json: String) {
            let id = "ev-\(run)-\(index)"
            let occurred = MessageCoding.formatTimestamp(start.addingTimeInterval(Double(index) * 600))
            let received = MessageCoding.formatTimestamp(Date())
            let (text, phone) = texts[index]
            return (id, #"{"address":"平湖市当湖街道三港路","eventId":"\#(id)","extra":{},"occurredAt":"\#(occurred)","receivedAt":"\#(received)","reporter":{"phone":"\#(phone)"},"requestType":"complaint","schemaVersion":1,"source":"hotline12345","sourceId":"\#(run)-\#(index)","text":"\#(text)"}"#)
        }

        @Test func threeInstancesOneOwnerKilledAndReplacedWithAnEmptyDisk() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(bootstrap: broker.address, services: [])
            defer { stack.stopAll() }
            // One at a time, each waited for until it holds partitions (several members joining at once can
            // leave a group half-formed on the local broker: docs/scaling.md).
            try await stack.launchReplicas([.classification], 1...3)
            let run = UUID().uuidString.prefix(8).lowercased()
            let start = Date().addingTimeInterval(-6 * 3600)
            let events = Self.texts.indices.map { Self.accepted($0, run: run, start: start) }
            func classified() throws -> [String: [[String: Any]]] {
                Dictionary(grouping: try kcatConsume(broker.address, topic: Topics.eventsClassified)
                    .filter { ($0["eventId"] as? String)?.hasPrefix("ev-\(run)-") == true }) { $0["eventId"] as! String }
            }
            func log(_ number: Int) -> String {
                (try? String(contentsOfFile: "\(stack.directory)/classification-\(number).log", encoding: .utf8)) ?? ""
            }

            // The first report, then three more (keyed by event id: they land on different instances' partitions).
            try kcatProduce(broker.address, topic: Topics.eventsAccepted, key: events[0].id, value: events[0].json)
            _ = try #require(try await eventually(timeout: .seconds(60)) { try classified()[events[0].id] },
                             "first report not classified; logs in \(stack.directory)")
            for event in events[1...3] { try kcatProduce(broker.address, topic: Topics.eventsAccepted, key: event.id, value: event.json) }
            let owner = try #require(try await eventually(timeout: .seconds(60)) { () -> Int? in
                (1...3).first { log($0).contains("Hotspot detected") }
            }, "no hotspot raised; logs in \(stack.directory)")

            // The owner of the town dies; more reports come; a replacement with an empty disk takes its place.
            stack.kill9Replica(.classification, owner)
            let logBefore = log(owner).utf8.count
            for event in events[4...] { try kcatProduce(broker.address, topic: Topics.eventsAccepted, key: event.id, value: event.json) }
            try await Task.sleep(for: .seconds(1))
            try stack.launchReplica(.classification, owner, emptyDisk: true)
            try await stack.waitUntilReplicaReady(.classification, owner)

            let all = try #require(try await eventually(timeout: .seconds(120)) { () -> [String: [[String: Any]]]? in
                let found = try classified()
                return found.count == events.count ? found : nil
            }, "not every event classified; logs in \(stack.directory)")
            // Once each: a report published again after the hand-over carries the same decision.
            for (id, copies) in all {
                let decisions: Set<String> = Set(copies.map { (copy: [String: Any]) -> String in copy["duplicateOf"] as? String ?? "-" })
                #expect(decisions.count == 1, "\(id) was classified twice, differently")
            }
            // Repeats name the same first report.
            #expect(all[events[0].id]?.first?["duplicateOf"] == nil)
            let linked: [String] = all.values.compactMap { (copies: [[String: Any]]) -> String? in copies.first?["duplicateOf"] as? String }
            #expect(Set(linked) == [events[0].id], "repeats name \(Set(linked))")
            #expect(linked.count >= 3, "only \(linked.count) repeats linked")
            // One hotspot, from its first report, that grew after the hand-over.
            let alerts = try kcatConsume(broker.address, topic: Topics.hotspotAlerts)
                .filter { ($0["eventIds"] as? [String] ?? []).contains { $0.hasPrefix("ev-\(run)-") } }
            #expect(Set(alerts.compactMap { $0["alertId"] as? String }) == ["hs-\(events[0].id)"])
            let latest = alerts.max { ($0["revision"] as? Int ?? 0) < ($1["revision"] as? Int ?? 0) }
            let members = Set(latest?["eventIds"] as? [String] ?? [])
            #expect(members.isSuperset(of: events[0...3].map { $0.id }))
            #expect(!members.isDisjoint(with: events[4...].map { $0.id }), "the hotspot did not grow after the hand-over")
            // The replacement (its log appended to the same file) restored its partitions from the changelog.
            let replacement = String(decoding: Array(log(owner).utf8.dropFirst(logBefore)), as: UTF8.self)
            let restores = replacement.split(separator: "\n").filter { $0.contains("Partition state restored") && $0.contains(Topics.classificationWindowChangelog) }
            #expect(restores.contains { !$0.contains("records=0 ") }, "the replacement restored no window records: \(restores)")
        }
    }
}
