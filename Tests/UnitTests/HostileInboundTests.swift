import Foundation
import GRDB
import Logging
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengIntake

/// Hostile input at the one window: every message either becomes one event or one refusal that names
/// what is wrong; nothing crashes, nothing else is lost. A seeded fuzz run over the inbound decoder
/// runs a fixed number of mutations of valid events in every test run.
@Suite("Hostile inbound input and a fuzz run over the decoder")
struct HostileInboundTests {
    let validator = InboundEventValidator()
    let now = Date(timeIntervalSince1970: 1_795_398_100)
    static let valid = #"{"id":"12345-77","occurredAt":"2026-11-23T09:41:00+08:00","text":"三港路路灯不亮","requestType":"complaint","reporter":{"name":"王女士","phone":"13800000001"},"address":"平湖市当湖街道三港路","location":{"lat":30.7,"lon":121.0},"extra":{"ticket":"A-1","tags":["路灯",1,true,null]}}"#

    func outcome(_ bytes: [UInt8]) -> Result<InboundEventValidator.ValidEvent, InboundEventValidator.Refusal> {
        validator.validate(bytes, now: now)
    }

    func refusal(_ text: String) -> InboundEventValidator.Refusal? {
        if case .failure(let refusal) = outcome(Array(text.utf8)) { return refusal }
        return nil
    }

    @Test func sizesJustUnderAndOverEachLimit() throws {
        func event(text: String, address: String = "三港路", id: String = "x-1") -> String {
            #"{"id":"\#(id)","occurredAt":"2026-11-23T09:41:00+08:00","text":"\#(text)","address":"\#(address)"}"#
        }
        #expect(try outcome(Array(event(text: String(repeating: "灯", count: 5000)).utf8)).get().text.count == 5000)
        #expect(refusal(event(text: String(repeating: "灯", count: 5001)))?.field == "text")
        #expect(throws: Never.self) { try outcome(Array(event(text: "a", address: String(repeating: "路", count: 500)).utf8)).get() }
        #expect(refusal(event(text: "a", address: String(repeating: "路", count: 501)))?.field == "address")
        #expect(throws: Never.self) { try outcome(Array(event(text: "a", id: String(repeating: "i", count: 128)).utf8)).get() }
        #expect(refusal(event(text: "a", id: String(repeating: "i", count: 129)))?.field == "id")
        // The whole message: just under 64 KiB passes the size check, just over does not.
        let base = event(text: "x")
        let padding = InboundEventValidator.maximumMessageBytes - base.utf8.count - #","extra":{"p":""}"#.utf8.count
        let justUnder = base.dropLast() + #","extra":{"p":""# + String(repeating: "p", count: padding) + #""}}"#
        #expect(justUnder.utf8.count == InboundEventValidator.maximumMessageBytes)
        #expect(throws: Never.self) { try outcome(Array(justUnder.utf8)).get() }
        #expect(refusal(justUnder + " ")?.reason == .tooLarge)
    }

    @Test func deeplyNestedJSONIsRefusedNotFatal() {
        for depth in [100, 1_000, 20_000] {
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let message = #"{"id":"x-1","occurredAt":"2026-11-23T09:41:00+08:00","text":"a","extra":{"deep":\#(nested)}}"#
            switch outcome(Array(message.utf8)) {
            case .success(let event):
                // Accepted (shallow enough): it must survive the trip through the shared coding.
                let accepted = AcceptedEvent(eventId: "ev-1", source: .web, sourceId: event.sourceId, occurredAt: event.occurredAt,
                                             receivedAt: now, text: event.text, requestType: nil, reporter: nil, address: nil,
                                             location: nil, extra: event.extra)
                #expect(throws: Never.self) { try MessageCoding.decode(AcceptedEvent.self, from: try MessageCoding.encode(accepted)) }
            case .failure(let refusal):
                #expect([.malformedJSON, .invalidField, .tooLarge].contains(refusal.reason), "depth \(depth): \(refusal)")
            }
        }
    }

    @Test(arguments: [
        (#"{"id":7,"occurredAt":"2026-11-23T09:41:00+08:00","text":"a"}"#, "id"),
        (#"{"id":"x","occurredAt":1795398100,"text":"a"}"#, "occurredAt"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":["a"]}"#, "text"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"a","reporter":"王女士"}"#, "reporter"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"a","reporter":{"phone":13800000001}}"#, "reporter.phone"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"a","location":{"lat":"30","lon":121}}"#, "location.lat"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"a","location":{"lat":30,"lon":1e400}}"#, nil),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"a","extra":[1]}"#, "extra"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"a","requestType":"bribe"}"#, "requestType"),
        (#"{"id":"x","occurredAt":"2099-01-01T00:00:00+08:00","text":"a"}"#, "occurredAt"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00","text":"a"}"#, "occurredAt"),
        (#"{"id":"x\u0000y","occurredAt":"2026-11-23T09:41:00+08:00","text":"a"}"#, "id"),
        (#"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"   "}"#, "text"),
    ] as [(String, String?)])
    func wrongTypesAndValuesAreRefusedNamingTheField(message: String, field: String?) {
        let refused = refusal(message)
        #expect(refused != nil, "accepted: \(message)")
        if let field { #expect(refused?.field == field, "\(message): \(String(describing: refused))") }
    }

    @Test func unknownFieldsSQLAndHTMLAreCarriedAsDataNotObeyed() throws {
        let text = "'); DROP TABLE event; -- <script>alert(1)</script> <a href=\\\"javascript:x\\\">点我</a>"
        let message = #"{"id":"x-1","occurredAt":"2026-11-23T09:41:00+08:00","text":"\#(text)","colour":"red","__proto__":{"admin":true}}"#
        let event = try outcome(Array(message.utf8)).get()
        #expect(event.text.contains("DROP TABLE event"))
        #expect(event.text.contains("<script>"))
        // Through the desk: stored and published as it came, and the tables are all still there.
        let database = try ServiceDatabase.inMemory(migrations: IntakeMigrations.register)
        let desk = IntakeDesk(logger: Logger(label: "test"))
        let result = try database.writer.write { db in try desk.receive(Array(message.utf8), source: .web, origin: "test", db: db, now: now) }
        guard case .accepted = result else {
            Issue.record("not accepted: \(result)")
            return
        }
        let stored = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") }
        #expect(stored == 1)
    }

    @Test func theSameIdWithOtherContentKeepsTheFirstAndSaysDuplicate() throws {
        let database = try ServiceDatabase.inMemory(migrations: IntakeMigrations.register)
        let desk = IntakeDesk(logger: Logger(label: "test"))
        let first = #"{"id":"x-1","occurredAt":"2026-11-23T09:41:00+08:00","text":"路灯不亮"}"#
        let second = #"{"id":"x-1","occurredAt":"2026-11-23T09:41:00+08:00","text":"完全不同的事"}"#
        let outcomes = try database.writer.write { db in
            [try desk.receive(Array(first.utf8), source: .web, origin: "test", db: db, now: now),
             try desk.receive(Array(second.utf8), source: .web, origin: "test", db: db, now: now)]
        }
        guard case .accepted(let id) = outcomes[0], case .duplicate(let again) = outcomes[1] else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(id == again)
    }

    // MARK: Fuzz

    /// A fixed-seed generator (SplitMix64): the same mutations in every run, so a failure reproduces.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments: [String] = [
        "null", "true", "1e999", "-0", "\"\"", "[]", "{}", "\"\\u0000\"", "\"\\ud800\"", "\"😀\"", "[[[[[[[[[[]]]]]]]]]]",
        "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}}}", "\"2026-11-23T09:41:00+08:00\"", "\"<img src=x onerror=alert(1)>\"",
        "\"' OR 1=1 --\"", "12345678901234567890", "\"" + String(repeating: "长", count: 300) + "\"",
    ]

    /// One mutation of `bytes`.
    static func mutate(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:  // truncate
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
        case 1:  // flip bits
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
        case 2:  // insert random bytes (invalid UTF-8 among them)
            let at = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
        case 3:  // replace one value with a fragment of another type
            let text = String(decoding: bytes, as: UTF8.self)
            let fields = ["\"id\":", "\"occurredAt\":", "\"text\":", "\"reporter\":", "\"location\":", "\"extra\":", "\"requestType\":"]
            let field = fields[Int.random(in: 0..<fields.count, using: &rng)]
            if let range = text.range(of: field) {
                let fragment = fragments[Int.random(in: 0..<fragments.count, using: &rng)]
                let rest = text[range.upperBound...]
                let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
                bytes = Array((text[..<range.upperBound] + fragment + text[end...]).utf8)
            }
        case 4:  // duplicate a slice
            if bytes.count > 2 {
                let start = Int.random(in: 0..<(bytes.count - 1), using: &rng)
                let end = Int.random(in: (start + 1)...bytes.count, using: &rng)
                bytes.insert(contentsOf: bytes[start..<end], at: end)
            }
        case 5:  // wrap in nesting
            let depth = Int.random(in: 1...200, using: &rng)
            bytes = Array(String(repeating: "[", count: depth).utf8) + bytes + Array(String(repeating: "]", count: depth).utf8)
        case 6:  // add an unknown field
            if bytes.last == UInt8(ascii: "}") {
                bytes.removeLast()
                bytes += Array(",\"f\(Int.random(in: 0..<99, using: &rng))\":\(fragments[Int.random(in: 0..<fragments.count, using: &rng)])}".utf8)
            }
        default:  // delete a slice
            if bytes.count > 2 {
                let start = Int.random(in: 0..<(bytes.count - 1), using: &rng)
                bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...20, using: &rng)))
            }
        }
        return bytes
    }

    @Test func fuzzTheInboundDecoderAndTheDesk() throws {
        var rng = SeededGenerator(state: 20_261_129)
        let seed = Array(Self.valid.utf8)
        var accepted = 0
        var refused: [InboundEventValidator.Refusal.Reason: Int] = [:]
        let database = try ServiceDatabase.inMemory(migrations: IntakeMigrations.register)
        let desk = IntakeDesk(logger: Logger(label: "fuzz"))
        var input = seed
        for iteration in 0..<5_000 {
            // Mostly one mutation of the valid event; sometimes stacked mutations.
            input = iteration % 5 == 0 ? Self.mutate(input, &rng) : Self.mutate(seed, &rng)
            switch validator.validate(input, now: now) {
            case .success(let event):
                accepted += 1
                #expect(!event.text.isEmpty && event.text.count <= InboundEventValidator.maximumTextCharacters)
                #expect((1...InboundEventValidator.maximumIdCharacters).contains(event.sourceId.count))
                #expect(event.occurredAt.timeIntervalSince(now) <= InboundEventValidator.allowedFutureSkew)
            case .failure(let refusal):
                refused[refusal.reason, default: 0] += 1
                #expect(!refusal.message.isEmpty)
            }
            // Every tenth input goes through the whole desk: one outcome, never an error.
            if iteration % 10 == 0 {
                let bytes = input
                #expect(throws: Never.self) {
                    try database.writer.write { db in _ = try desk.receive(bytes, source: .grid, origin: "fuzz", db: db, now: now) }
                }
            }
        }
        // The mutations reached both sides of the decoder.
        #expect(accepted > 250)
        #expect(refused[.malformedJSON, default: 0] > 250)
        #expect(refused[.invalidField, default: 0] > 25)
        #expect(refused[.invalidUTF8, default: 0] > 25)
    }
}
