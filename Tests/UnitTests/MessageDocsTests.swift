import Foundation
import MinshengModel
import Testing
@testable import MinshengIntake
@testable import MinshengNotification

/// The examples in docs/messages.md are real messages: each decodes into its type, and its fields are
/// exactly the fields the type writes (a field missing from the docs or from the code fails here).
@Suite("Message schemas match docs/messages.md")
struct MessageDocsTests {
    static let types: [String: any Codable.Type] = [
        "events.accepted": AcceptedEvent.self,
        "events.rejected": RejectedEvent.self,
        "events.classified": ClassifiedEvent.self,
        "police110.returns": PoliceReturn.self,
        "workorders.updates": WorkOrderUpdate.self,
        "notifications.deliveries": DeliveryResult.self,
        "alerts.hotspots": HotspotAlert.self,
        "<service>.dlq": DeadLetter.self,
        "intake.requests": IntakeRequest.self,
        "intake.replies": IntakeDecision.self,
        "intake.events.changelog": IntakeEventRecord.self,
        "notification.deliveries.changelog": NotificationChangelogRecord.self,
        "dispatch.workorders.changelog": WorkOrderRecord.self,
        "dispatch.commands": WorkOrderCommand.self,
        "dispatch.replies": WorkOrderCommandReply.self,
        "classification.bytown": TownReport.self,
        "classification.window.changelog": ClassificationWindowRecord.self,
    ]

    /// Every ```json block under each "## `topic`" heading, in order.
    static func examples() throws -> [String: [String]] {
        let text = try String(contentsOfFile: TestSupport.root + "/docs/messages.md", encoding: .utf8)
        var result: [String: [String]] = [:]
        var heading: String?
        var block: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                let parts = line.split(separator: "`")
                heading = parts.count >= 2 ? String(parts[1]) : nil
            } else if line.hasPrefix("```json"), heading != nil {
                block = []
            } else if line.hasPrefix("```"), let lines = block {
                if let heading { result[heading, default: []].append(lines.joined(separator: "\n")) }
                block = nil
            } else if block != nil {
                block!.append(String(line))
            }
        }
        return result
    }

    /// Each topic with each of its examples.
    static var topicExamples: [(String, Int)] {
        let examples = (try? Self.examples()) ?? [:]
        return types.keys.sorted().flatMap { topic in (0..<max(1, examples[topic]?.count ?? 0)).map { (topic, $0) } }
    }

    @Test(arguments: topicExamples)
    func exampleMatchesTheType(topic: String, index: Int) throws {
        let examples = try #require(try Self.examples()[topic], "docs/messages.md has no JSON example for \(topic)")
        let example = try #require(examples.indices.contains(index) ? examples[index] : nil)
        let type = try #require(Self.types[topic])
        let decoded = try MessageCoding.decoder().decode(type, from: Data(example.utf8))
        let reencoded = try MessageCoding.encoder().encode(decoded)
        let documented = try #require(try JSONSerialization.jsonObject(with: Data(example.utf8)) as? [String: Any])
        let written = try #require(try JSONSerialization.jsonObject(with: reencoded) as? [String: Any])
        let documentedButNotWritten = Set(documented.keys).subtracting(written.keys).filter { !(documented[$0] is NSNull) }
        #expect(documentedButNotWritten.isEmpty, "documented fields the code does not write: \(documentedButNotWritten.sorted())")
        let writtenButNotDocumented = Set(written.keys).subtracting(documented.keys)
        #expect(writtenButNotDocumented.isEmpty, "fields the code writes that are not documented: \(writtenButNotDocumented.sorted())")
        #expect(documented["schemaVersion"] as? Int == 1)
    }

    /// Every field `WorkOrderUpdate` can write has a row in the field table of `workorders.updates`.
    @Test func everyWorkOrderUpdateFieldIsInTheTable() throws {
        let now = Date(timeIntervalSince1970: 1_795_398_060)
        let full = WorkOrderUpdate(
            eventId: "e", workOrderId: "w", sequence: 2, change: .escalated, status: .dispatched, unitId: "u", unitName: "n",
            category: .market, level: .urgent, town: "t", village: "v", grid: "g", source: .web, sourceId: "s", text: "x",
            address: "a", reporter: Reporter(name: "r"), occurredAt: now, signBy: now, resolveBy: now, at: now, actor: "dispatch",
            note: "n", result: "r", reason: "r", previousUnitId: "p", coUnitIds: ["c"], supervisorUnitId: "s", deadline: .sign,
            onSiteBy: now, feedback: .init(satisfied: true, comment: "c"),
            attachedEvent: .init(eventId: "e2", source: .web, sourceId: "s2", reporter: nil),
            person: ActingPerson(id: "zhang.wei", name: "张伟"), dispatchedAt: now, round: 1, roundStartedAt: now, signedAt: now,
            onSiteAt: now, resolvedAt: now, closedAt: now, reviewBy: now, proposedUnitId: "p", mergedInto: "m", hotspotAlertId: "h")
        let written = try #require(try JSONSerialization.jsonObject(with: MessageCoding.encoder().encode(full)) as? [String: Any])
        let text = try String(contentsOfFile: TestSupport.root + "/docs/messages.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## `workorders.updates`").dropFirst().first?
            .components(separatedBy: "\n## ").first)
        for key in written.keys.sorted() {
            #expect(section.contains("| `\(key)` |") || section.contains("`\(key)`, ") || section.contains(", `\(key)` |"),
                    "docs/messages.md: workorders.updates has no row for \(key)")
        }
        for change in WorkOrderUpdate.Change.allCases {
            #expect(section.contains("| `\(change.rawValue)` |"), "docs/messages.md: no row for the change \(change.rawValue)")
        }
    }

    /// Every field of the changelog's `notification` and `workOrderChange` objects has a row in its table,
    /// and the examples carry exactly those fields.
    @Test func everyChangelogRecordFieldIsInTheTable() throws {
        let now = "2026-11-23T01:41:00.000Z"
        let record = NotificationChangelogRecord.NotificationRecord(
            notificationId: "nt", kind: "k", subjectId: "s", eventId: "e", workOrderId: "w", recipient: "r", unitId: "u",
            channel: "webhook", target: "t", payloadBase64: "", text: "x", urgent: true, dedupeKey: "d", status: "failed",
            attempts: 1, nextAttemptAt: now, createdAt: now, finishedAt: now, lastError: "l", version: 3,
            history: [.init(attempt: 1, at: now, outcome: "failed", detail: "HTTP 503", durationMs: 9)])
        let change = NotificationChangelogRecord.WorkOrderChangeRecord(workOrderId: "w", sequence: 2, seenAt: now)
        let text = try String(contentsOfFile: TestSupport.root + "/docs/messages.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## `notification.deliveries.changelog`").dropFirst().first?
            .components(separatedBy: "\n## ").first)
        let examples = try #require(try Self.examples()["notification.deliveries.changelog"])
        for (object, value) in [("notification", try MessageCoding.encode(record)), ("workOrderChange", try MessageCoding.encode(change))] {
            let written = try #require(try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])
            let table = try #require(section.components(separatedBy: "`\(object)`:\n").dropFirst().first?.components(separatedBy: "\n\n").first)
            for key in written.keys.sorted() { #expect(table.contains("| `\(key)` |"), "docs/messages.md: \(object) has no row for \(key)") }
            let objects = examples.compactMap { json -> [String: Any]? in
                (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?[object] as? [String: Any]
            }
            let example = try #require(objects.first, "no example of \(object)")
            let unknown = Set(example.keys).subtracting(written.keys)
            #expect(unknown.isEmpty, "\(object): the example has fields the code does not write: \(unknown.sorted())")
        }
    }

    @Test func theWebhookSheetExampleMatches() throws {
        let example = try #require(try Self.sheetExample())
        let sheet = try MessageCoding.decoder().decode(InstructionSheet.self, from: Data(example.utf8))
        #expect(sheet.schemaVersion == 1)
        #expect(sheet.kind == "new_work_order")
    }

    /// The sheet is the last section of the file and has no backquoted topic: its JSON block is the last.
    static func sheetExample() throws -> String? {
        let text = try String(contentsOfFile: TestSupport.root + "/docs/messages.md", encoding: .utf8)
        guard let start = text.range(of: "```json", options: .backwards) else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.range(of: "```") else { return nil }
        return String(rest[..<end.lowerBound])
    }

    @Test func theInboundExampleInTheDocsIsAccepted() throws {
        let text = try String(contentsOfFile: TestSupport.root + "/docs/inbound.md", encoding: .utf8)
        let start = try #require(text.range(of: "```json"))
        let rest = text[start.upperBound...]
        let end = try #require(rest.range(of: "```"))
        let now = try #require(MessageCoding.parseTimestamp("2026-11-23T12:00:00+08:00"))
        let result = InboundEventValidator().validate(Array(rest[..<end.lowerBound].utf8), now: now)
        #expect(throws: Never.self) { try result.get() }
    }
}
