import Foundation
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengConsole

/// The console's smaller parts: the password KDF, the town map, lag states, periods, the change feed,
/// and its settings.
@Suite("Console parts")
struct ConsolePartsTests {
    @Test func passwordsAreScryptHashesWithSaltAndCost() throws {
        let hasher = PasswordHasher(log2N: 10)
        let first = try hasher.hash("correct horse battery")
        let second = try hasher.hash("correct horse battery")
        #expect(first != second)  // a fresh salt each time
        #expect(first.hasPrefix("scrypt$10$8$1$"))
        #expect(try PasswordHasher.verify("correct horse battery", against: first))
        #expect(try !PasswordHasher.verify("correct horse batterY", against: first))
        #expect(throws: PasswordHasher.Failure.malformed) { try PasswordHasher.verify("x", against: "md5$abc") }
        #expect(throws: PasswordHasher.Failure.malformed) { try PasswordHasher.verify("x", against: "scrypt$40$8$1$AA==$AA==") }
        // The known answer of RFC 7914 (scrypt, N=1024, r=8, p=16), through the same derivation.
        let stored = "scrypt$10$8$16$" + Data("NaCl".utf8).base64EncodedString() + "$"
            + Data(Self.hex("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640").prefix(32)).base64EncodedString()
        #expect(try PasswordHasher.verify("password", against: stored))
    }

    static func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map { UInt8(text.dropFirst($0).prefix(2), radix: 16)! }
    }

    @Test func theMapHasEveryTownWithItsOutlineButNotItsInnerEdges() throws {
        let configuration = try ConsoleConfiguration.load(directory: TestSupport.configDirectory)
        let map = configuration.map
        #expect(map.towns.map(\.name) == configuration.region.towns.map(\.name))
        #expect(map.width == 1000)
        for town in map.towns {
            let areaEdges = town.area.components(separatedBy: "L").count - 1 + town.area.components(separatedBy: "Z").count - 1
            let outlineEdges = town.outline.components(separatedBy: "M").count - 1
            #expect(outlineEdges > 0 && outlineEdges < areaEdges, "\(town.name): \(outlineEdges) of \(areaEdges)")
            #expect((0...map.width).contains(town.labelX) && (0...map.height).contains(town.labelY))
        }
        // Two squares side by side: the shared edge is not part of the outline.
        let square = { (x: Double) in [(lon: x, lat: 0.0), (lon: x + 1, lat: 0.0), (lon: x + 1, lat: 1.0), (lon: x, lat: 1.0)] }
        let pair = TownMap(ringsByTown: ["甲镇": [square(0), square(1)]], order: ["甲镇"], width: 220)
        #expect(pair.towns[0].outline.components(separatedBy: "M").count - 1 == 6)
    }

    @Test func lagStatesFollowBurrowsRules() {
        func sample(_ committed: Int64?, _ end: Int64) -> [GroupLagProbe.Sample] {
            [GroupLagProbe.Sample(group: "g", topic: "t", partition: 0, committed: committed, end: end)]
        }
        #expect(LagStatus.evaluate([sample(10, 10)], serviceUp: true) == .ok)
        #expect(LagStatus.evaluate([sample(5, 10)], serviceUp: false) == .stopped)
        #expect(LagStatus.evaluate([sample(5, 10), sample(5, 12), sample(5, 15)], serviceUp: true) == .stalled)
        #expect(LagStatus.evaluate([sample(5, 10), sample(8, 14), sample(10, 20)], serviceUp: true) == .warning)
        #expect(LagStatus.evaluate([sample(5, 10), sample(9, 12), sample(12, 13)], serviceUp: true) == .ok)
        #expect(LagStatus.evaluate(Array(repeating: sample(nil, 3), count: LagStatus.window), serviceUp: true) == .stopped)
    }

    @Test func periodsFollowTheCentresCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let now = try #require(MessageCoding.parseTimestamp("2026-03-31T23:30:00+08:00"))
        let day = Period.day(containing: now, calendar: calendar)
        #expect(day.from == MessageCoding.parseTimestamp("2026-03-31T00:00:00+08:00"))
        let month = Period.month(containing: now, calendar: calendar)
        #expect(month.from == MessageCoding.parseTimestamp("2026-03-01T00:00:00+08:00"))
        #expect(month.to == MessageCoding.parseTimestamp("2026-04-01T00:00:00+08:00"))
        let previous = month.previous(calendar: calendar)
        #expect(previous.from == MessageCoding.parseTimestamp("2026-02-01T00:00:00+08:00"))
        #expect(previous.to == month.from)
        #expect(month.yearBefore(calendar: calendar).from == MessageCoding.parseTimestamp("2025-03-01T00:00:00+08:00"))
        #expect(day.previous(calendar: calendar).to == day.from)
    }

    @Test func theFeedPublishesWhatCommittedMergedToEveryPage() async throws {
        let feed = ChangeFeed()
        let first = feed.subscribe()
        let second = feed.subscribe()
        feed.stage("workorders")
        feed.stage("events")
        feed.stage("workorders")
        feed.commit()
        feed.commit()  // nothing staged: nothing sent
        feed.publish(["operations"])
        var iterator = first.makeAsyncIterator()
        #expect(await iterator.next() == ChangeFeed.Notice(serial: 1, parts: ["events", "workorders"]))
        #expect(await iterator.next() == ChangeFeed.Notice(serial: 2, parts: ["operations"]))
        var other = second.makeAsyncIterator()
        #expect(await other.next()?.serial == 1)
        #expect(feed.subscriberCount == 2)
    }

    @Test func theConsoleReadsWhatTheTopicCatalogueSaysAndWatchesEveryGroup() {
        #expect(Set(ConsoleMessageHandler.topics) == Set(TopicCatalog.topicsRead(by: .console)))
        #expect(GroupLagProbe.minshengGroups.map(\.id) == ServiceName.allCases.map(\.consumerGroup))
        #expect(GroupLagProbe.minshengGroups.allSatisfy { !$0.topics.isEmpty })
    }

    @Test func settingsNameTheVariableAtFault() throws {
        #expect(throws: (any Error).self) { try ConsoleSettings.load(environment: [:]) }
        let ok = try ConsoleSettings.load(environment: ["MINSHENG_DISPATCH_TOKEN": "0123456789abcdef0123456789abcdef"])
        #expect(ok.dispatchURL.absoluteString == "http://127.0.0.1:8083")
        #expect(ok.serviceURLs.map(\.name) == ["intake", "classification", "dispatch", "notification"])
        #expect(ok.sessionLifetime == 12 * 3600)
        for (name, value) in [("MINSHENG_DISPATCH_URL", "ftp://x"), ("MINSHENG_SESSION_HOURS", "0"), ("MINSHENG_SERVICE_URLS", "intake"),
                              ("MINSHENG_SECURE_COOKIES", "maybe")] {
            let error = #expect(throws: (any Error).self) {
                try ConsoleSettings.load(environment: ["MINSHENG_DISPATCH_TOKEN": "0123456789abcdef0123456789abcdef", name: value])
            }
            #expect("\(error!)".contains(name))
        }
    }
}
