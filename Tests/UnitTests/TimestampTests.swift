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

    /// Every millisecond survives parsing and formatting again (a date read back from a message or the
    /// database is written the same: no drift of a millisecond per round trip).
    @Test func everyMillisecondRoundTrips() throws {
        for base in ["2026-11-29T12:19:02", "2026-11-23T01:41:00", "2030-06-30T23:59:59"] {
            for millis in 0..<1000 {
                let text = base + "." + String(format: "%03d", millis) + "Z"
                #expect(MessageCoding.formatTimestamp(try #require(MessageCoding.parseTimestamp(text))) == text)
            }
        }
    }
}
