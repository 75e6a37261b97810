import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengClassification

@Suite("Region map")
struct RegionMapTests {
    static let square: [(lon: Double, lat: Double)] = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    static let hole: [(lon: Double, lat: Double)] = [(4, 4), (6, 4), (6, 6), (4, 6), (4, 4)]

    @Test func pointInPolygonWithHoles() {
        #expect(RegionMap.contains([Self.square], GeoPoint(lat: 5, lon: 5)))
        #expect(!RegionMap.contains([Self.square, Self.hole], GeoPoint(lat: 5, lon: 5)))
        #expect(RegionMap.contains([Self.square, Self.hole], GeoPoint(lat: 2, lon: 2)))
        #expect(!RegionMap.contains([Self.square], GeoPoint(lat: 11, lon: 5)))
    }

    @Test func theMostSpecificAreaWins() {
        let map = RegionMap(areas: [
            .init(town: "T", village: nil, grid: nil, rings: [Self.square], bounds: (0, 10, 0, 10)),
            .init(town: "T", village: "V", grid: "G", rings: [Self.hole], bounds: (4, 6, 4, 6)),
        ])
        #expect(map.place(of: GeoPoint(lat: 5, lon: 5))?.grid == "G")
        #expect(map.place(of: GeoPoint(lat: 1, lon: 1)) == Place(town: "T", basis: .coordinates))
        #expect(map.place(of: GeoPoint(lat: 20, lon: 20)) == nil)
    }

    @Test func theShippedMapCoversEveryTown() throws {
        let region = try TestSupport.region()
        let map = try RegionMap.load(directory: TestSupport.configDirectory, region: region)
        #expect(Set(map.areas.map(\.town)) == Set(region.towns.map(\.name)))
        #expect(map.place(of: GeoPoint(lat: 31.5, lon: 121.0)) == nil)
    }
}

@Suite("Similarity and themes")
struct SimilarityTests {
    @Test func similarReportsScoreHighAndUnrelatedLow() {
        let a = Shingles(text: "梅湾街停车半小时收10元，没有小票")
        let b = Shingles(text: "市民来电反映梅湾街停车收费乱，半小时10元不给小票")
        let c = Shingles(text: "市民来电反映小区电梯坏了三天没人修")
        #expect(a.similarity(to: b) >= 0.5)
        #expect(a.similarity(to: c) < 0.1)
        #expect(a.similarity(to: a) == 1)
        #expect(Shingles(text: "").similarity(to: a) == 0)
    }

    @Test func genericHotlinePhrasingDoesNotCount() {
        #expect(Shingles(text: "市民来电反映情况希望处理").hashes.count <= 3)  // only the seams between phrases remain
        #expect(Shingles(text: "市民来电反映路灯坏了").similarity(to: Shingles(text: "市民来电反映狗叫扰民")) < 0.2)
    }

    @Test func shinglesSurviveStorage() {
        let a = Shingles(text: "梅湾街停车乱收费")
        #expect(Shingles(bytes: a.bytes) == a)
    }

    @Test func themeIsWhatMostReportsShare() {
        let theme = ThemeFinder.theme(of: [
            "梅湾街停车半小时收10元，没有小票", "市民来电反映梅湾街停车乱收费，不给小票", "梅湾街停车场收费没小票，太黑了",
        ])
        #expect(theme.contains("梅湾街停车") || theme.contains("梅湾街"))
        #expect(theme.contains { $0.contains("小票") })
        #expect(theme.count <= 3)
    }
}

@Suite("Repeats and hotspots over the window")
struct RepeatDetectorTests {
    let database = try! ServiceDatabase.inMemory(migrations: ClassificationMigrations.register)
    let settings = ClassificationSettings(
        reviewBelowConfidence: 0.5, criticalProbability: 0.1, policeProbability: 0.7,
        duplicates: .init(windowHours: 72, minSimilarity: 0.5),
        hotspots: .init(windowHours: 24, minSimilarity: 0.25, minEvents: 3, minReporters: 3))
    let start = MessageCoding.parseTimestamp("2026-11-23T01:00:00Z")!
    let place = Place(town: "当湖街道", basis: .text)

    func report(_ text: String, phone: String?, source: Source = .hotline12345, hoursLater: Double = 0) throws -> RepeatDetector.Outcome {
        var event = TestSupport.accepted(text, source: source)
        event.reporter = phone.map { Reporter(phone: $0) }
        event.receivedAt = start.addingTimeInterval(hoursLater * 3600)
        return try database.writer.write { db in
            let outcome = try RepeatDetector(settings: settings).process(event: event, category: .market, place: place, now: event.receivedAt, db: db)
            try db.execute(sql: "INSERT INTO classified_event (event_id, source, source_id, category, level, police, shuangfei, confidence, explanation, classified_at, text) VALUES (?, ?, ?, 'market', 'normal', 0, 0, 1, '', '', ?)",
                           arguments: [event.eventId, source.rawValue, event.sourceId, text])
            return outcome
        }
    }

    @Test func aRepeatLinksToTheFirstReportAndThreePeopleMakeOneHotspot() throws {
        let first = try report("梅湾街停车半小时收10元，没有小票", phone: "13800000001")
        #expect(first == .init())
        let again = try report("市民来电反映梅湾街停车半小时收10元，还是没有小票", phone: "13800000001", hoursLater: 1)
        #expect(again.duplicateOf != nil)
        #expect(again.newHotspot == nil)  // two reports, one person
        let second = try report("梅湾街停车场收费太黑，半小时10块不给票", phone: nil, source: .web, hoursLater: 2)
        #expect(second.newHotspot == nil)  // three reports, two people
        let third = try report("报警人称梅湾街收停车费的不给小票还骂人", phone: "13900000002", source: .police110, hoursLater: 3)
        let alert = try #require(third.newHotspot)
        #expect(alert.eventIds.count == 4)
        #expect(alert.reporterCount == 3)
        #expect(alert.town == "当湖街道")
        #expect(Set(alert.sources) == [.hotline12345, .web, .police110])
        #expect(alert.theme.contains { $0.contains("梅湾街") })
        let fourth = try report("梅湾街停车又乱收费了，没小票", phone: "13700000003", hoursLater: 4)
        #expect(fourth.newHotspot == nil)
        #expect(fourth.joinedHotspot == alert.alertId)
    }

    @Test func unrelatedOrOldReportsDoNotCluster() throws {
        _ = try report("梅湾街停车半小时收10元，没有小票", phone: "1")
        _ = try report("超市卖过期牛奶", phone: "2", hoursLater: 1)
        let late = try report("梅湾街停车半小时收10元没有小票", phone: "3", hoursLater: 100)
        #expect(late.duplicateOf == nil)  // past the 72 h window
        #expect(late.newHotspot == nil)
    }

    @Test func withoutATownNothingIsCompared() throws {
        var event = TestSupport.accepted("梅湾街停车乱收费")
        event.receivedAt = start
        let outcome = try database.writer.write { db in
            try RepeatDetector(settings: settings).process(event: event, category: .market, place: nil, now: start, db: db)
        }
        #expect(outcome == .init())
    }
}
