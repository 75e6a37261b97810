import Foundation
import MinshengModel
import MinshengPlatform

/// Which unit leads a work order and which co-operate (协办). Loaded from `routing.json`: rules of
/// category × level × place (× police matter) → a unit, or the village tier (the grid team of the
/// event's village); the first rule that matches and gives a unit wins. `defaults` name, per tier, the
/// unit that takes work of that tier when nothing more specific does (escalation).
struct RoutingTable: Sendable, Equatable {
    struct Rule: Sendable, Equatable {
        enum Target: Sendable, Equatable {
            /// A named unit.
            case unit(String)
            /// The grid team of the event's village or community; the rule does not apply where there is none.
            case villageTeam
        }

        /// nil: any category.
        var category: Category?
        /// nil: any level.
        var levels: Set<Level>?
        /// nil: any town, including an unknown one.
        var town: String?
        /// When set, the rule applies only to police matters (true) or only to the rest (false).
        var police: Bool?
        var target: Target
        var coUnits: [String]

        func matches(_ place: Place) -> Bool {
            (category == nil || category == place.category) && (levels?.contains(place.level) ?? true)
                && (town == nil || town == place.town) && (police == nil || police == place.police)
        }
    }

    /// What routing looks at.
    struct Place: Sendable, Equatable {
        var category: Category
        var level: Level
        var town: String?
        var village: String?
        var police: Bool
    }

    /// A decision: the lead unit, its co-operating units, and the rule that decided (nil: a default).
    struct Route: Sendable, Equatable {
        var unitId: String
        var coUnitIds: [String]
        var rule: Int?
    }

    var rules: [Rule]
    var defaults: [HandlingUnit.Tier: String]

    /// The first rule that matches and gives a unit not in `excluding` (units that returned the order).
    func route(_ place: Place, units: UnitDirectory, excluding: Set<String> = []) -> Route? {
        for (index, rule) in rules.enumerated() where rule.matches(place) {
            guard let unit = resolve(rule.target, place: place, units: units), !excluding.contains(unit) else { continue }
            return Route(unitId: unit, coUnitIds: rule.coUnits.filter { $0 != unit }, rule: index)
        }
        return nil
    }

    /// Where an unsigned order led by `unitId` goes when it is escalated (升级): a unit of the next tier up,
    /// from the first matching rule that gives one, else up the unit's supervisors, else the tier's
    /// default. Nil for city departments and the centre, or when nothing is found.
    func escalation(from unitId: String, _ place: Place, units: UnitDirectory) -> Route? {
        guard let tier = units.unit(id: unitId)?.tier.next else { return nil }
        for (index, rule) in rules.enumerated() where rule.matches(place) {
            if let unit = resolve(rule.target, place: place, units: units), units.unit(id: unit)?.tier == tier {
                return Route(unitId: unit, coUnitIds: rule.coUnits.filter { $0 != unit }, rule: index)
            }
        }
        if let supervisor = units.supervisors(of: unitId).first(where: { $0.tier == tier }) {
            return Route(unitId: supervisor.id, coUnitIds: [], rule: nil)
        }
        return defaults[tier].map { Route(unitId: $0, coUnitIds: [], rule: nil) }
    }

    private func resolve(_ target: Rule.Target, place: Place, units: UnitDirectory) -> String? {
        switch target {
        case .unit(let id): id
        case .villageTeam: units.villageUnit(town: place.town, village: place.village)?.id
        }
    }
}

extension RoutingTable {
    /// `routing.json` as written.
    struct File: Decodable, Sendable {
        struct Rule: Decodable, Sendable {
            var category: String
            var levels: [String]?
            var town: String?
            var police: Bool?
            var unit: String?
            var tier: String?
            var coUnits: [String]?
        }

        var rules: [Rule]
        var defaults: [String: String]?
    }

    /// The table a file describes; what is wrong goes to `problems`, each naming its place.
    static func build(_ file: File, units: UnitDirectory, region: Region, problems: inout [ConfigProblem]) -> RoutingTable {
        let towns = Set(region.towns.map(\.name))
        var rules: [Rule] = []
        for (index, written) in file.rules.enumerated() {
            let path = "rules[\(index)]"
            var category: Category?
            if written.category != "*" {
                category = Category(rawValue: written.category)
                if category == nil { problems.append(.init("\(path).category", "unknown category \(written.category)")) }
            }
            var levels: Set<Level>?
            if let names = written.levels {
                levels = Set(names.compactMap(Level.init(rawValue:)))
                for (levelIndex, name) in names.enumerated() where Level(rawValue: name) == nil {
                    problems.append(.init("\(path).levels[\(levelIndex)]", "unknown level \(name) (critical, urgent, normal, low)"))
                }
                if names.isEmpty { problems.append(.init("\(path).levels", "is empty: leave it out to match every level")) }
            }
            let town = written.town == "*" ? nil : written.town
            if let town, !towns.contains(town) { problems.append(.init("\(path).town", "\(town) is not in region.json")) }
            var target = Rule.Target.unit("")
            switch (written.unit, written.tier) {
            case (let unit?, nil):
                target = .unit(unit)
                if units.unit(id: unit) == nil { problems.append(.init("\(path).unit", "\(unit) is not in units.json")) }
            case (nil, "village"?):
                target = .villageTeam
            case (nil, let tier?):
                problems.append(.init("\(path).tier", "\(tier): only \"village\" can be given as a tier (the village's grid team); name other units with \"unit\""))
            case (nil, nil), (_?, _?):
                problems.append(.init(path, "give either \"unit\" or \"tier\": \"village\""))
            }
            for (coIndex, co) in (written.coUnits ?? []).enumerated() where units.unit(id: co) == nil {
                problems.append(.init("\(path).coUnits[\(coIndex)]", "\(co) is not in units.json"))
            }
            rules.append(Rule(category: category, levels: levels, town: town, police: written.police, target: target,
                              coUnits: written.coUnits ?? []))
        }
        let catchAll = file.rules.contains {
            $0.category == "*" && ($0.town ?? "*") == "*" && $0.levels == nil && $0.police == nil && $0.unit != nil && $0.tier == nil
        }
        if !catchAll {
            problems.append(.init("rules", "a last rule with category \"*\", town \"*\" and a unit is required, so every event has a unit"))
        }
        var defaults: [HandlingUnit.Tier: String] = [:]
        for (key, unitId) in (file.defaults ?? [:]).sorted(by: { $0.key < $1.key }) {
            let path = "defaults.\(key)"
            guard let tier = HandlingUnit.Tier(rawValue: key), tier != .centre else {
                problems.append(.init(path, "\(key) is not a tier (village, town, city)"))
                continue
            }
            guard let unit = units.unit(id: unitId) else {
                problems.append(.init(path, "\(unitId) is not in units.json"))
                continue
            }
            if unit.tier != tier && unit.tier != .centre {
                problems.append(.init(path, "\(unitId) is a \(unit.tier.rawValue) unit, not \(tier.rawValue) (or the centre)"))
            }
            defaults[tier] = unitId
        }
        return RoutingTable(rules: rules, defaults: defaults)
    }

    static func load(directory: String, units: UnitDirectory, region: Region) throws(ConfigurationError) -> RoutingTable {
        let document = try ConfigDocument<File>.load(file: "routing.json", directory: directory)
        var problems: [ConfigProblem] = []
        let table = build(document.value, units: units, region: region, problems: &problems)
        try document.check(problems)
        return table
    }
}
