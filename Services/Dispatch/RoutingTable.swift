import Foundation
import MinshengModel
import MinshengPlatform

/// Which unit gets a work order, and by when it must be signed for and resolved. Loaded from
/// `routing.json`: rules of category × town → unit, first match wins; deadlines per level.
struct RoutingTable: Sendable, Decodable {
    struct Rule: Sendable, Decodable, Equatable {
        /// A category code or `*`.
        var category: String
        /// A town name or `*` (any town, and events whose town is unknown).
        var town: String
        var unit: String
        /// When set, the rule applies only to police matters (true) or only to the rest (false).
        var police: Bool?

        func matches(category: Category, town: String?, police: Bool) -> Bool {
            (self.category == "*" || self.category == category.rawValue) && (self.town == "*" || self.town == town)
                && (self.police == nil || self.police == police)
        }
    }

    struct Deadline: Sendable, Decodable, Equatable {
        var signMinutes: Int
        var resolveMinutes: Int
    }

    var rules: [Rule]
    var deadlines: [String: Deadline]

    /// The first rule that matches.
    func unitId(category: Category, town: String?, police: Bool) -> String? {
        rules.first { $0.matches(category: category, town: town, police: police) }?.unit
    }

    func deadline(for level: Level) -> Deadline {
        deadlines[level.rawValue]!  // `problems` guarantees every level is there
    }

    /// Problems a person must fix, each naming the rule; empty when the table is usable.
    func problems(units: UnitsDirectory, region: Region) -> [String] {
        var problems: [String] = []
        let towns = Set(region.towns.map(\.name))
        for (index, rule) in rules.enumerated() {
            if rule.category != "*" && Category(rawValue: rule.category) == nil {
                problems.append("rules[\(index)]: unknown category \(rule.category)")
            }
            if rule.town != "*" && !towns.contains(rule.town) {
                problems.append("rules[\(index)]: town \(rule.town) is not in region.json")
            }
            if units.unit(id: rule.unit) == nil {
                problems.append("rules[\(index)]: unit \(rule.unit) is not in units.json")
            }
        }
        if !rules.contains(where: { $0.category == "*" && $0.town == "*" && $0.police == nil }) {
            problems.append("rules: a last rule with category \"*\" and town \"*\" is required, so every event has a unit")
        }
        for level in Level.allCases {
            guard let deadline = deadlines[level.rawValue] else {
                problems.append("deadlines.\(level.rawValue) is missing")
                continue
            }
            if deadline.signMinutes <= 0 || deadline.resolveMinutes < deadline.signMinutes {
                problems.append("deadlines.\(level.rawValue): signMinutes must be > 0 and resolveMinutes >= signMinutes")
            }
        }
        return problems
    }

    static func load(directory: String, units: UnitsDirectory, region: Region) throws(ConfigurationError) -> RoutingTable {
        let table = try ConfigFile.load(RoutingTable.self, file: "routing.json", directory: directory)
        try ConfigFile.check(table.problems(units: units, region: region), file: "routing.json", directory: directory)
        return table
    }
}
