import Foundation
import MinshengModel
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test(arguments: [
        ("2026-11-23T09:41:00+08:00", 1_795_398_060.0),
        ("2026-11-23T01:41:00Z", 1_795_398_060.0),
        ("2026-11-23T01:41:00z", 1_795_398_060.0),
        ("2026-11-23T09:41:00+0800", 1_795_398_060.0),
        ("2026-11-23T01:41:00.250Z", 1_795_398_060.25),
        ("2026-11-22T20:41:00-05:00", 1_795_398_060.0),
    ])
    func parsesOffsets(text: String, seconds: Double) throws {
        let date = try #require(MessageCoding.parseTimestamp(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.0005)
    }

    @Test(arguments: ["2026-11-23T09:41:00", "2026-11-23 09:41:00+08:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                      "2026-11-23T24:00:00Z", "2026-11-23T09:41:00+08", "2026-11-23T09:41:00+08:00junk", "2026-11-23"])
    func rejectsAnythingElse(text: String) {
        #expect(MessageCoding.parseTimestamp(text) == nil)
    }

    @Test func formatsUTCWithMillisecondsAndRoundTrips() throws {
        let date = Date(timeIntervalSince1970: 1_795_398_060.25)
        #expect(MessageCoding.formatTimestamp(date) == "2026-11-23T01:41:00.250Z")
        #expect(MessageCoding.parseTimestamp(MessageCoding.formatTimestamp(date)) == date)
    }
}
