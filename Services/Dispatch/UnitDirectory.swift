import Foundation
import MinshengModel
import MinshengPlatform

/// Dispatch's view of `units.json`, the directory of handling units over three tiers: city departments
/// (市级部门), town/street teams (镇街) and village/community grid teams (村社网格), plus the command
/// centre itself. Besides what every service reads (`HandlingUnit`), dispatch uses each unit's village
/// (for village teams), its supervisor (督办 and escalation) and the hash of its API token.
///
/// Only token hashes are stored (docs/security.md); still, keep `units.json` readable only by the services.
struct UnitDirectory: Sendable, Equatable {
    struct Unit: Sendable, Equatable {
        var id: String
        var name: String
        var tier: HandlingUnit.Tier
        /// The town or street a town or village unit belongs to.
        var town: String?
        /// The village or community a village unit serves.
        var village: String?
        /// The unit told when this one is late (督办).
        var supervisor: String?
        /// The hash of what the unit's callers send as `Authorization: Bearer <token>`; nil: no API access.
        var apiTokenHash: TokenHash?
    }

    private(set) var units: [Unit]
    private let byId: [String: Unit]

    init(units: [Unit]) {
        self.units = units
        byId = Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func unit(id: String) -> Unit? { byId[id] }

    /// The name of a unit, or its id when it is not (or no longer) in the directory.
    func name(of id: String) -> String { byId[id]?.name ?? id }

    /// The grid team of a village or community, if it has one.
    func villageUnit(town: String?, village: String?) -> Unit? {
        guard let town, let village else { return nil }
        return units.first { $0.tier == .village && $0.town == town && $0.village == village }
    }

    /// The supervisors of `id`, nearest first.
    func supervisors(of id: String) -> [Unit] {
        var chain: [Unit] = []
        var seen: Set<String> = [id]
        var next = byId[id]?.supervisor
        while let current = next, let unit = byId[current], seen.insert(current).inserted {
            chain.append(unit)
            next = unit.supervisor
        }
        return chain
    }

    static func == (lhs: UnitDirectory, rhs: UnitDirectory) -> Bool { lhs.units == rhs.units }
}

extension HandlingUnit.Tier {
    /// village 0 < town 1 < city 2 < centre 3.
    var rank: Int {
        switch self {
        case .village: 0
        case .town: 1
        case .city: 2
        case .centre: 3
        }
    }

    /// The tier an unsigned order is escalated to; nil for city departments and the centre.
    var next: HandlingUnit.Tier? {
        switch self {
        case .village: .town
        case .town: .city
        case .city, .centre: nil
        }
    }
}

extension UnitDirectory {
    /// `units.json` as written.
    struct File: Decodable, Sendable {
        struct Entry: Decodable, Sendable {
            var id: String
            var name: String
            var tier: HandlingUnit.Tier
            var town: String?
            var village: String?
            var webhook: String?
            var supervisor: String?
            /// `hmac-sha256:<salt>:<digest>` (scripts/tools/hash-token.py).
            var apiTokenHash: String?
            /// Plain tokens are no longer accepted: only their hashes.
            var apiToken: String?
        }

        var units: [Entry]
    }

    /// The directory a file describes; what is wrong goes to `problems`, each naming its place.
    static func build(_ file: File, region: Region, problems: inout [ConfigProblem]) -> UnitDirectory {
        var seen = Set<String>()
        var tokens: [String: String] = [:]
        var villageTeams: [String: String] = [:]
        let towns = Dictionary(region.towns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let ids = Set(file.units.map(\.id))
        for (index, entry) in file.units.enumerated() {
            let path = "units[\(index)]"
            if entry.id.isEmpty { problems.append(.init("\(path).id", "is empty")) }
            if !seen.insert(entry.id).inserted { problems.append(.init("\(path).id", "\(entry.id) appears twice")) }
            if entry.name.isEmpty { problems.append(.init("\(path).name", "is empty")) }
            if let webhook = entry.webhook, !(webhook.hasPrefix("http://") || webhook.hasPrefix("https://")) {
                problems.append(.init("\(path).webhook", "must be an http:// or https:// URL"))
            }
            if let supervisor = entry.supervisor, !ids.contains(supervisor) {
                problems.append(.init("\(path).supervisor", "\(supervisor) is not a unit"))
            }
            if entry.apiToken != nil {
                problems.append(.init("\(path).apiToken", "plain tokens are not stored: replace it with apiTokenHash (scripts/tools/hash-token.py --token …)"))
            }
            if let stored = entry.apiTokenHash {
                if let problem = TokenHash.problem(stored: stored) {
                    problems.append(.init("\(path).apiTokenHash", problem))
                } else if let other = tokens.updateValue(entry.id, forKey: stored) {
                    problems.append(.init("\(path).apiTokenHash", "is the same as the hash of \(other)"))
                }
            }
            switch entry.tier {
            case .town, .village:
                guard let town = entry.town else {
                    problems.append(.init(path, "a \(entry.tier.rawValue) unit needs its town"))
                    break
                }
                guard let known = towns[town] else {
                    problems.append(.init("\(path).town", "\(town) is not in region.json"))
                    break
                }
                guard entry.tier == .village else { break }
                guard let village = entry.village else {
                    problems.append(.init(path, "a village unit needs its village"))
                    break
                }
                if !known.villages.contains(where: { $0.name == village }) {
                    problems.append(.init("\(path).village", "\(village) is not a village of \(town) in region.json"))
                } else if let other = villageTeams.updateValue(entry.id, forKey: "\(town)/\(village)") {
                    problems.append(.init("\(path).village", "\(village) already has the village unit \(other)"))
                }
            case .city, .centre:
                if entry.village != nil { problems.append(.init("\(path).village", "only village units have a village")) }
            }
        }
        if file.units.filter({ $0.tier == .centre }).count != 1 {
            problems.append(.init("units", "exactly one unit must have tier centre: the command centre"))
        }
        let directory = UnitDirectory(units: file.units.map {
            Unit(id: $0.id, name: $0.name, tier: $0.tier, town: $0.town, village: $0.village, supervisor: $0.supervisor,
                 apiTokenHash: $0.apiTokenHash.flatMap(TokenHash.init(stored:)))
        })
        for (index, entry) in file.units.enumerated() where directory.supervisorsGoRoundInACircle(from: entry.id) {
            problems.append(.init("units[\(index)].supervisor", "the supervisors of \(entry.id) go round in a circle"))
        }
        return directory
    }

    fileprivate func supervisorsGoRoundInACircle(from id: String) -> Bool {
        var seen: Set<String> = [id]
        var next = byId[id]?.supervisor
        while let current = next {
            if !seen.insert(current).inserted { return true }
            next = byId[current]?.supervisor
        }
        return false
    }

    static func load(directory: String, region: Region) throws(ConfigurationError) -> UnitDirectory {
        let document = try ConfigDocument<File>.load(file: "units.json", directory: directory)
        var problems: [ConfigProblem] = []
        let units = build(document.value, region: region, problems: &problems)
        try document.check(problems)
        return units
    }
}
