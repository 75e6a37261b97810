import Foundation
import MinshengPlatform

/// Systems that call dispatch's API for people: the console (`minsheng-console`) acts for the centre's
/// staff and for the handlers of units that have no system of their own. A trusted caller has no unit:
/// each request names the unit it acts for (`X-Minsheng-Act-As`) and the person
/// (`X-Minsheng-Person`, `X-Minsheng-Person-Name`), and dispatch records both on the timeline. It
/// checks the person's rights itself (the console's accounts and roles); dispatch still applies the
/// unit's rights. From `callers.json` in the config directory; without the file there are none.
///
/// The tokens make `callers.json` a secret, like `units.json`.
struct TrustedCallers: Sendable, Equatable {
    struct Caller: Sendable, Equatable {
        var id: String
        var name: String
        var apiToken: String
    }

    var callers: [Caller]

    static let fileName = "callers.json"
    static let none = TrustedCallers(callers: [])

    struct File: Decodable, Sendable {
        struct Entry: Decodable, Sendable {
            var id: String
            var name: String
            var apiToken: String
        }

        var callers: [Entry]
    }

    /// The callers a file describes; a token must be long, and unlike any other token (units' included).
    static func build(_ file: File, units: UnitDirectory, problems: inout [ConfigProblem]) -> TrustedCallers {
        var seen = Set<String>()
        var tokens = Dictionary(units.units.compactMap { unit in unit.apiToken.map { ($0, unit.id) } },
                                uniquingKeysWith: { first, _ in first })
        for (index, entry) in file.callers.enumerated() {
            let path = "callers[\(index)]"
            if entry.id.isEmpty { problems.append(.init("\(path).id", "is empty")) }
            if !seen.insert(entry.id).inserted { problems.append(.init("\(path).id", "\(entry.id) appears twice")) }
            if units.unit(id: entry.id) != nil { problems.append(.init("\(path).id", "\(entry.id) is a unit in units.json")) }
            if entry.apiToken.count < UnitDirectory.minimumTokenLength || entry.apiToken.contains(where: \.isWhitespace) {
                problems.append(.init("\(path).apiToken", "must be at least \(UnitDirectory.minimumTokenLength) characters without spaces"))
            }
            if let other = tokens.updateValue(entry.id, forKey: entry.apiToken) {
                problems.append(.init("\(path).apiToken", "is the same as the token of \(other)"))
            }
        }
        return TrustedCallers(callers: file.callers.map { Caller(id: $0.id, name: $0.name, apiToken: $0.apiToken) })
    }

    static func load(directory: String, units: UnitDirectory) throws(ConfigurationError) -> TrustedCallers {
        guard FileManager.default.fileExists(atPath: "\(directory)/\(fileName)") else { return none }
        let document = try ConfigDocument<File>.load(file: fileName, directory: directory)
        var problems: [ConfigProblem] = []
        let callers = build(document.value, units: units, problems: &problems)
        try document.check(problems)
        return callers
    }
}
