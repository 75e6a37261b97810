import Foundation
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

@Suite("Routing table and units directory")
struct RoutingTableTests {
    let configuration = try! DispatchConfiguration.load(directory: TestSupport.configDirectory)
    var table: RoutingTable { configuration.routing }
    var units: UnitDirectory { configuration.units }

    func place(_ category: Category, _ level: Level = .normal, town: String? = nil, village: String? = nil,
               police: Bool = false) -> RoutingTable.Place {
        .init(category: category, level: level, town: town, village: village, police: police)
    }

    @Test func theShippedDemoFilesLoadWithoutProblems() {
        #expect(table.rules.count > 10)
        #expect(units.units.filter { $0.tier == .village }.count == 25)
        #expect(units.units.allSatisfy { $0.apiTokenHash != nil })
    }

    @Test(arguments: [
        (Category.urbanManagement, Level.normal, "当湖街道", nil, false, "danghu-team"),
        (.dispute, .normal, "独山港镇", nil, false, "dushangang-team"),  // village unknown: the town's team
        (.dispute, .low, "独山港镇", "白沙湾村", false, "dushangang-baishawan-grid"),  // a village quarrel: the grid team
        (.dispute, .urgent, "独山港镇", "白沙湾村", false, "dushangang-team"),  // urgent: the town
        (.urbanManagement, .normal, nil, nil, false, "city-urban"),
        (.labor, .normal, "新仓镇", nil, false, "city-hrss"),
        (.labor, .critical, "新仓镇", nil, false, "xincang-team"),
        (.market, .normal, "当湖街道", nil, false, "city-market"),
        (.other, .normal, nil, nil, false, "centre"),
        (.traffic, .normal, "曹桥街道", nil, true, "city-police"),
        (.dispute, .low, "钟埭街道", "花园村", true, "city-police"),
    ] as [(Category, Level, String?, String?, Bool, String)])
    func firstMatchingRuleWins(category: Category, level: Level, town: String?, village: String?, police: Bool, unit: String) {
        #expect(table.route(place(category, level, town: town, village: village, police: police), units: units)?.unitId == unit)
    }

    @Test func coOperatingUnitsComeWithTheRule() {
        let route = table.route(place(.labor, .urgent, town: "当湖街道"), units: units)
        #expect(route == .init(unitId: "danghu-team", coUnitIds: ["city-hrss"], rule: route?.rule))
    }

    @Test func rulesCanBeSkippedForUnitsThatReturnedTheOrder() {
        let market = place(.urbanManagement, town: "当湖街道")
        #expect(table.route(market, units: units, excluding: ["danghu-team"])?.unitId == "city-urban")
        #expect(table.route(market, units: units, excluding: ["danghu-team", "city-urban"])?.unitId == "centre")
    }

    @Test func escalationGoesOneTierUp() {
        // A village grid team → the town's team (rule for disputes in the town).
        #expect(table.escalation(from: "danghu-donghu-grid", place(.dispute, .urgent, town: "当湖街道", village: "东湖社区"),
                                 units: units)?.unitId == "danghu-team")
        // A town team → the city department the rules give for the category.
        #expect(table.escalation(from: "danghu-team", place(.urbanManagement, .urgent, town: "当湖街道"), units: units)?.unitId
                == "city-urban")
        // No city rule for "other": the default for the city tier (the centre).
        #expect(table.escalation(from: "danghu-team", place(.other, .urgent, town: "当湖街道"), units: units)?.unitId == "centre")
        // City departments and the centre have nothing above them.
        #expect(table.escalation(from: "city-market", place(.market, .urgent), units: units) == nil)
        #expect(table.escalation(from: "centre", place(.other, .urgent), units: units) == nil)
    }

    @Test func problemsNameTheRule() throws {
        let json = """
            {"rules": [{"category": "parking", "town": "*", "unit": "centre"},
                       {"category": "market", "town": "火星镇", "unit": "centre"},
                       {"category": "market", "town": "*", "unit": "nobody", "coUnits": ["ghost"]},
                       {"category": "dispute", "levels": ["severe"], "tier": "village"},
                       {"category": "dispute", "tier": "town"},
                       {"category": "dispute", "unit": "centre", "tier": "village"}],
             "defaults": {"city": "danghu-team", "galaxy": "centre"}}
            """
        var problems: [ConfigProblem] = []
        _ = RoutingTable.build(try JSONDecoder().decode(RoutingTable.File.self, from: Data(json.utf8)), units: units,
                               region: configuration.region, problems: &problems)
        #expect(problems.contains(.init("rules[0].category", "unknown category parking")))
        #expect(problems.contains(.init("rules[1].town", "火星镇 is not in region.json")))
        #expect(problems.contains(.init("rules[2].unit", "nobody is not in units.json")))
        #expect(problems.contains(.init("rules[2].coUnits[0]", "ghost is not in units.json")))
        #expect(problems.contains(.init("rules[3].levels[0]", "unknown level severe (critical, urgent, normal, low)")))
        #expect(problems.contains { $0.path == "rules[4].tier" })
        #expect(problems.contains(.init("rules[5]", "give either \"unit\" or \"tier\": \"village\"")))
        #expect(problems.contains { $0.path == "rules" && $0.message.hasPrefix("a last rule") })
        #expect(problems.contains(.init("defaults.city", "danghu-team is a town unit, not city (or the centre)")))
        #expect(problems.contains(.init("defaults.galaxy", "galaxy is not a tier (village, town, city)")))
    }

    @Test func aProblemInTheFileNamesItsLine() throws {
        var routing = try String(contentsOfFile: TestSupport.configDirectory + "/routing.json", encoding: .utf8)
        routing = routing.replacingOccurrences(of: "\"unit\": \"city-market\"", with: "\"unit\": \"city-markt\"")
        let directory = try TestSupport.configCopy(replacing: ["routing.json": routing])
        let line = try #require(routing.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("city-markt") }) + 1
        let error = #expect(throws: ConfigurationError.self) { try DispatchConfiguration.load(directory: directory) }
        #expect(error?.description.hasPrefix("\(directory)/routing.json line \(line), rules[") == true, "\(String(describing: error))")
        #expect(error?.description.hasSuffix(".unit: city-markt is not in units.json") == true)
    }

    @Test func unitProblemsNameTheirPlace() throws {
        let json = """
            {"units": [
              {"id": "centre", "name": "中心", "tier": "centre", "apiToken": "a-plain-token-is-refused-0123456789"},
              {"id": "a", "name": "A", "tier": "village", "town": "当湖街道", "village": "月球村", "supervisor": "b"},
              {"id": "b", "name": "B", "tier": "town", "town": "火星镇", "supervisor": "a", "apiTokenHash": "hmac-sha256:00112233445566778899aabbccddeeff:abababababababababababababababababababababababababababababababab"},
              {"id": "c", "name": "C", "tier": "city", "supervisor": "nobody", "apiTokenHash": "hmac-sha256:00112233445566778899aabbccddeeff:abababababababababababababababababababababababababababababababab"},
              {"id": "c", "name": "", "tier": "village", "town": "当湖街道", "apiTokenHash": "sha256:abc"}
            ]}
            """
        var problems: [ConfigProblem] = []
        _ = UnitDirectory.build(try JSONDecoder().decode(UnitDirectory.File.self, from: Data(json.utf8)),
                                region: configuration.region, problems: &problems)
        #expect(problems.contains { $0.path == "units[0].apiToken" && $0.message.contains("replace it with apiTokenHash") })
        #expect(problems.contains { $0.path == "units[4].apiTokenHash" && $0.message.hasPrefix("must be hmac-sha256:") })
        #expect(problems.contains(.init("units[1].village", "月球村 is not a village of 当湖街道 in region.json")))
        #expect(problems.contains(.init("units[2].town", "火星镇 is not in region.json")))
        #expect(problems.contains(.init("units[3].apiTokenHash", "is the same as the hash of b")))
        #expect(problems.contains(.init("units[3].supervisor", "nobody is not a unit")))
        #expect(problems.contains(.init("units[4].id", "c appears twice")))
        #expect(problems.contains(.init("units[4].name", "is empty")))
        #expect(problems.contains(.init("units[4]", "a village unit needs its village")))
        #expect(problems.contains(.init("units[1].supervisor", "the supervisors of a go round in a circle")))
    }

    @Test func aMissingFileIsNamed() throws {
        let error = #expect(throws: ConfigurationError.self) { try DispatchConfiguration.load(directory: "/nonexistent") }
        #expect(error?.description.contains("/nonexistent/region.json") == true)
    }
}

@Suite("JSON line index")
struct JSONLineIndexTests {
    @Test func everyValueKnowsItsLine() throws {
        let index = try JSONLineIndex("""
            {
              "rules": [
                {"unit": "a"},
                {
                  "unit": "b\\"c",
                  "levels": ["x", "y"]
                }
              ],
              "n": -1.5e3
            }
            """)
        #expect(index.line(of: "") == 1)
        #expect(index.line(of: "rules") == 2)
        #expect(index.line(of: "rules[0]") == 3)
        #expect(index.line(of: "rules[1]") == 4)
        #expect(index.line(of: "rules[1].unit") == 5)
        #expect(index.line(of: "rules[1].levels[1]") == 6)
        #expect(index.line(of: "n") == 9)
        // A missing key: the line of the object that lacks it.
        #expect(index.line(of: "rules[1].coUnits[0]") == 4)
    }

    @Test(arguments: [("{\n\"a\": 1,\n}", 3), ("{\"a\": [1 2]}", 1), ("{\n\n\"a\": tru}", 3), ("{\"a\": \"x", 1), ("[1]]", 1)])
    func syntaxErrorsNameTheirLine(text: String, line: Int) {
        let error = #expect(throws: JSONLineIndex.SyntaxError.self) { try JSONLineIndex(text) }
        #expect(error?.line == line)
    }
}
