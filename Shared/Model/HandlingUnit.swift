/// A unit that handles work orders: a city department, a town/street service team or a village/community
/// grid team. Loaded from `units.json`.
public struct HandlingUnit: Codable, Sendable, Equatable {
    /// The three tiers of "online transfer, offline handling" (线上流转线下办理).
    public enum Tier: String, Codable, Sendable {
        /// City department (市级部门).
        case city
        /// Town/street service team (镇街服务队).
        case town
        /// Village/community grid team (村社网格).
        case village
        /// The command centre itself (指挥中心).
        case centre
    }

    public var id: String
    public var name: String
    public var tier: Tier
    /// The town a town or village unit belongs to.
    public var town: String?
    /// Where its notifications are POSTed; nil: logged and marked undeliverable.
    public var webhook: String?
    /// The unit that supervises it (督办).
    public var supervisor: String?

    public init(id: String, name: String, tier: Tier, town: String?, webhook: String?, supervisor: String?) {
        self.id = id
        self.name = name
        self.tier = tier
        self.town = town
        self.webhook = webhook
        self.supervisor = supervisor
    }
}

/// Every handling unit, by id.
public struct UnitsDirectory: Codable, Sendable, Equatable {
    public var units: [HandlingUnit]

    public init(units: [HandlingUnit]) { self.units = units }

    public func unit(id: String) -> HandlingUnit? { units.first { $0.id == id } }

    /// Problems a person must fix before the file can be used; empty when it is fine.
    public func problems() -> [String] {
        var problems: [String] = []
        var ids = Set<String>()
        for (index, unit) in units.enumerated() {
            if unit.id.isEmpty { problems.append("units[\(index)].id is empty") }
            if !ids.insert(unit.id).inserted { problems.append("units[\(index)]: id \(unit.id) appears twice") }
            if let webhook = unit.webhook, !(webhook.hasPrefix("http://") || webhook.hasPrefix("https://")) {
                problems.append("units[\(index)] (\(unit.id)): webhook must be an http:// or https:// URL")
            }
        }
        for (index, unit) in units.enumerated() {
            if let supervisor = unit.supervisor, !ids.contains(supervisor) {
                problems.append("units[\(index)] (\(unit.id)): supervisor \(supervisor) is not a unit")
            }
        }
        return problems
    }
}
