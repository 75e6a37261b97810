import Foundation
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

@Suite("Routing table")
struct RoutingTableTests {
    func shipped() throws -> RoutingTable {
        try RoutingTable.load(directory: TestSupport.configDirectory, units: TestSupport.units(), region: TestSupport.region())
    }

    @Test func theShippedDemoFilesLoadWithoutProblems() throws {
        let table = try shipped()
        #expect(table.rules.count > 10)
        for level in Level.allCases { #expect(table.deadline(for: level).signMinutes > 0) }
    }

    @Test(arguments: [
        (Category.urbanManagement, "当湖街道", false, "danghu-team"),
        (.dispute, "独山港镇", false, "dushangang-team"),
        (.urbanManagement, nil, false, "city-urban"),
        (.labor, "新仓镇", false, "city-hrss"),
        (.market, "当湖街道", false, "city-market"),
        (.other, nil, false, "centre"),
        (.traffic, "曹桥街道", true, "city-police"),
        (.dispute, "钟埭街道", true, "city-police"),
    ] as [(Category, String?, Bool, String)])
    func firstMatchingRuleWins(category: Category, town: String?, police: Bool, unit: String) throws {
        #expect(try shipped().unitId(category: category, town: town, police: police) == unit)
    }

    @Test func problemsNameTheRule() throws {
        let units = try TestSupport.units()
        let region = try TestSupport.region()
        let json = """
            {"rules": [{"category": "parking", "town": "*", "unit": "centre"},
                       {"category": "market", "town": "火星镇", "unit": "centre"},
                       {"category": "market", "town": "*", "unit": "nobody"}],
             "deadlines": {"critical": {"signMinutes": 5, "resolveMinutes": 1}}}
            """
        let table = try JSONDecoder().decode(RoutingTable.self, from: Data(json.utf8))
        let problems = table.problems(units: units, region: region)
        #expect(problems.contains("rules[0]: unknown category parking"))
        #expect(problems.contains("rules[1]: town 火星镇 is not in region.json"))
        #expect(problems.contains("rules[2]: unit nobody is not in units.json"))
        #expect(problems.contains { $0.hasPrefix("rules: a last rule") })
        #expect(problems.contains("deadlines.urgent is missing"))
        #expect(problems.contains { $0.hasPrefix("deadlines.critical") })
    }

    @Test func aMissingFileIsNamed() throws {
        #expect(throws: ConfigurationError.self) {
            try RoutingTable.load(directory: "/nonexistent", units: TestSupport.units(), region: TestSupport.region())
        }
    }
}
