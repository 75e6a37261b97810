import Foundation
import MinshengModel
import Testing
@testable import MinshengIntake

@Suite("Inbound event validation")
struct InboundEventValidatorTests {
    let validator = InboundEventValidator()
    let now = MessageCoding.parseTimestamp("2026-11-23T12:00:00+08:00")!

    func validate(_ json: String) -> Result<InboundEventValidator.ValidEvent, InboundEventValidator.Refusal> {
        validator.validate(Array(json.utf8), now: now)
    }

    func refusalOf(_ json: String) -> InboundEventValidator.Refusal? {
        if case .failure(let refusal) = validate(json) { return refusal }
        return nil
    }

    @Test func acceptsTheDocumentedExampleAndNormalisesIt() throws {
        let result = validate("""
            {"id": " 12345-20261123-000123 ", "occurredAt": "2026-11-23T09:41:00+08:00",
             "text": "  梅湾街停车半小时收10元，没有小票\\n", "requestType": "complaint",
             "reporter": {"name": "王女士", "phone": "138-0000 0000"}, "address": "平湖市当湖街道三港路",
             "location": {"lat": 30.70, "lon": 121.01}, "extra": {"channel": "phone", "n": 1}}
            """)
        let event = try result.get()
        #expect(event.sourceId == "12345-20261123-000123")
        #expect(event.text == "梅湾街停车半小时收10元，没有小票")
        #expect(event.occurredAt == MessageCoding.parseTimestamp("2026-11-23T01:41:00Z"))
        #expect(event.requestType == .complaint)
        #expect(event.reporter == Reporter(name: "王女士", phone: "13800000000"))
        #expect(event.location == GeoPoint(lat: 30.70, lon: 121.01))
        #expect(event.extra["channel"] == .string("phone"))
    }

    @Test func onlyTheThreeRequiredFieldsAreNeeded() throws {
        let event = try validate(#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"路灯坏了"}"#).get()
        #expect(event.reporter == nil && event.address == nil && event.location == nil && event.requestType == nil)
    }

    @Test(arguments: [
        (#"{"occurredAt":"2026-11-23T09:41:00Z","text":"x"}"#, "id"),
        (#"{"id":"a","text":"x"}"#, "occurredAt"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z"}"#, "text"),
        (#"{"id":null,"occurredAt":"2026-11-23T09:41:00Z","text":"x"}"#, "id"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"   "}"#, "text"),
    ])
    func missingRequiredFieldsAreNamed(json: String, field: String) throws {
        let refusal = try #require(refusalOf(json))
        #expect(refusal.reason == .missingField)
        #expect(refusal.field == field)
    }

    @Test(arguments: [
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00","text":"x"}"#, "occurredAt"),
        (#"{"id":"a","occurredAt":"2026-02-30T09:41:00Z","text":"x"}"#, "occurredAt"),
        (#"{"id":"a","occurredAt":"yesterday","text":"x"}"#, "occurredAt"),
        (#"{"id":"a","occurredAt":"2026-11-27T09:41:00+08:00","text":"x"}"#, "occurredAt"),
        (#"{"id":7,"occurredAt":"2026-11-23T09:41:00Z","text":"x"}"#, "id"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"x","requestType":"gossip"}"#, "requestType"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"x","location":{"lat":91,"lon":0}}"#, "location.lat"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"x","location":{"lat":30}}"#, "location.lon"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"x","reporter":{"phone":"call me"}}"#, "reporter.phone"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"x","reporter":"王女士"}"#, "reporter"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"x","extra":[1]}"#, "extra"),
        (#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"x","schemaVersion":2}"#, "schemaVersion"),
    ])
    func invalidFieldsAreNamed(json: String, field: String) throws {
        let refusal = try #require(refusalOf(json))
        #expect(refusal.reason == .invalidField)
        #expect(refusal.field == field)
        #expect(!refusal.message.isEmpty)
    }

    @Test func theSourceIdIsKeptWhenALaterFieldIsBad() throws {
        let refusal = try #require(refusalOf(#"{"id":"110-1","occurredAt":"bad","text":"x"}"#))
        #expect(refusal.sourceId == "110-1")
    }

    @Test func tooLongIdIsRefused() throws {
        let id = String(repeating: "a", count: 129)
        let refusal = try #require(refusalOf(#"{"id":"\#(id)","occurredAt":"2026-11-23T09:41:00Z","text":"x"}"#))
        #expect(refusal.field == "id")
    }

    @Test func textOverFiveThousandCharactersIsTooLarge() throws {
        let text = String(repeating: "吵", count: 5001)
        let refusal = try #require(refusalOf(#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"\#(text)"}"#))
        #expect(refusal.reason == .tooLarge)
        #expect(refusal.field == "text")
        let exactly = String(repeating: "吵", count: 5000)
        #expect(throws: Never.self) { try validate(#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":"\#(exactly)"}"#).get() }
    }

    @Test func invalidUTF8IsRefusedBeforeParsing() throws {
        var bytes = Array(#"{"id":"a","occurredAt":"2026-11-23T09:41:00Z","text":""#.utf8)
        bytes += [0xE5, 0x90]  // a truncated three-byte sequence
        bytes += Array(#""}"#.utf8)
        guard case .failure(let refusal) = validator.validate(bytes, now: now) else {
            Issue.record("invalid UTF-8 was accepted")
            return
        }
        #expect(refusal.reason == .invalidUTF8)
    }

    @Test(arguments: ["{\"id\": \"broken", "[1,2,3]", "\"just a string\"", "", "null"])
    func nonObjectsAreMalformed(json: String) throws {
        #expect(refusalOf(json)?.reason == .malformedJSON)
    }

    @Test func oversizedMessagesAreRefused() throws {
        let bytes = [UInt8](repeating: 0x20, count: InboundEventValidator.maximumMessageBytes + 1)
        guard case .failure(let refusal) = validator.validate(bytes, now: now) else {
            Issue.record("oversized message accepted")
            return
        }
        #expect(refusal.reason == .tooLarge)
    }
}
