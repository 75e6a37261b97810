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
    ]

    /// The first ```json block under each "## `topic`" heading.
    static func examples() throws -> [String: String] {
        let text = try String(contentsOfFile: TestSupport.root + "/docs/messages.md", encoding: .utf8)
        var result: [String: String] = [:]
        var heading: String?
        var block: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                let parts = line.split(separator: "`")
                heading = parts.count >= 2 ? String(parts[1]) : nil
            } else if line.hasPrefix("```json"), let heading, result[heading] == nil {
                block = []
            } else if line.hasPrefix("```"), let lines = block {
                if let heading { result[heading] = lines.joined(separator: "\n") }
                block = nil
            } else if block != nil {
                block!.append(String(line))
            }
        }
        return result
    }

    @Test(arguments: Array(types.keys).sorted())
    func exampleMatchesTheType(topic: String) throws {
        let example = try #require(try Self.examples()[topic], "docs/messages.md has no JSON example for \(topic)")
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
