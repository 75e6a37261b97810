import Foundation
import MinshengModel
import Testing

/// Message timestamps are formatted and parsed by integer arithmetic: they must agree with Foundation's
/// ISO 8601 formatter on every kind of date, and keep their millisecond through a round trip.
struct TimestampCodingTests {
    static func reference(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")!
        return formatter.string(from: date)
    }

    @Test func formattingAgreesWithFoundationAcrossCenturiesLeapDaysAndEdges() {
        var generator = SystemRandomNumberGenerator()
        // Whole milliseconds from 1900 to 2200, plus days that trip calendars up.
        var millis: [Int64] = (0..<20_000).map { _ in Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator) }
        for text in ["2024-02-29T23:59:59.999Z", "2000-02-29T00:00:00.000Z", "2100-03-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z",
                     "1969-12-31T23:59:59.999Z", "2026-12-31T23:59:59.500Z", "2027-01-01T00:00:00.001Z"] {
            millis.append(Int64((MessageCoding.parseTimestamp(text)!.timeIntervalSince1970 * 1000).rounded()))
        }
        for value in millis {
            let date = Date(timeIntervalSince1970: TimeInterval(value) / 1000)
            #expect(MessageCoding.formatTimestamp(date) == Self.reference(date), "\(value)")
        }
    }

    @Test func aParsedTimestampIsWrittenBackTheSame() throws {
        for millis in stride(from: 0, to: 1000, by: 1) {
            let text = String(format: "2026-11-23T01:41:07.%03dZ", millis)
            let date = try #require(MessageCoding.parseTimestamp(text))
            #expect(MessageCoding.formatTimestamp(date) == text)
        }
    }

    @Test func offsetsAndFractionsAreRead() throws {
        let utc = try #require(MessageCoding.parseTimestamp("2026-11-23T01:41:00Z"))
        #expect(MessageCoding.parseTimestamp("2026-11-23T09:41:00+08:00") == utc)
        #expect(MessageCoding.parseTimestamp("2026-11-23T09:41:00+0800") == utc)
        #expect(MessageCoding.parseTimestamp("2026-11-22T20:41:00-05:00") == utc)
        #expect(MessageCoding.parseTimestamp("2026-11-23T01:41:00.25Z") == utc.addingTimeInterval(0.25))
        // The same instant as Foundation's calendar gives, to the last bit.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: 2026, month: 11, day: 23, hour: 1, minute: 41, second: 7)
        #expect(MessageCoding.parseTimestamp("2026-11-23T01:41:07.647Z") == calendar.date(from: components)!.addingTimeInterval(0.647))
    }

    @Test func impossibleDatesAndMissingOffsetsAreRefused() {
        for text in ["2026-02-29T00:00:00Z", "2026-02-30T09:41:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                     "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T09:41:00",
                     "2026-11-23T09:41:00.Z", "2026-11-23T09:41:00+19:00", "2026-11-23 09:41:00Z"] {
            #expect(MessageCoding.parseTimestamp(text) == nil, "\(text)")
        }
        #expect(MessageCoding.parseTimestamp("2024-02-29T00:00:00Z") != nil)
        #expect(MessageCoding.parseTimestamp("2000-02-29T00:00:00Z") != nil)
    }
}
