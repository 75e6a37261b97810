/// The region a command centre covers: towns/streets (镇/街道), their villages/communities (村/社区)
/// with grids (网格), and road names, used to place events. Loaded from `region.json`.
public struct Region: Codable, Sendable, Equatable {
    public struct Village: Codable, Sendable, Equatable {
        public var name: String
        public var grids: [String]
        public init(name: String, grids: [String]) {
            self.name = name
            self.grids = grids
        }
    }

    public struct Town: Codable, Sendable, Equatable {
        public var name: String
        /// Other names people use (e.g. 当湖 for 当湖街道).
        public var aliases: [String]
        public var villages: [Village]
        public var roads: [String]
        public init(name: String, aliases: [String], villages: [Village], roads: [String]) {
            self.name = name
            self.aliases = aliases
            self.villages = villages
            self.roads = roads
        }
    }

    public var name: String
    /// True for the shipped made-up demo data.
    public var demo: Bool
    public var towns: [Town]

    public init(name: String, demo: Bool, towns: [Town]) {
        self.name = name
        self.demo = demo
        self.towns = towns
    }

    /// Problems a person must fix before the file can be used; empty when it is fine.
    public func problems() -> [String] {
        var problems: [String] = []
        if towns.isEmpty { problems.append("towns: at least one town is required") }
        var seen = Set<String>()
        for (index, town) in towns.enumerated() {
            if town.name.isEmpty { problems.append("towns[\(index)].name is empty") }
            if !seen.insert(town.name).inserted { problems.append("towns[\(index)]: town \(town.name) appears twice") }
            for (villageIndex, village) in town.villages.enumerated() where village.name.isEmpty {
                problems.append("towns[\(index)].villages[\(villageIndex)].name is empty")
            }
        }
        return problems
    }
}
