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
        /// Only the hash of its token is stored (docs/security.md).
        var apiTokenHash: TokenHash
    }

    var callers: [Caller]

    static let fileName = "callers.json"
    static let none = TrustedCallers(callers: [])

    struct File: Decodable, Sendable {
        struct Entry: Decodable, Sendable {
            var id: String
            var name: String
            var apiTokenHash: String?
            /// Refused: plain tokens are not stored.
            var apiToken: String?
        }

        var callers: [Entry]
    }

    /// The callers a file describes; each has the hash of a token, like the units (docs/security.md).
    static func build(_ file: File, units: UnitDirectory, problems: inout [ConfigProblem]) -> TrustedCallers {
        var seen = Set<String>()
        var hashes: [String: String] = [:]
        var callers: [Caller] = []
        for (index, entry) in file.callers.enumerated() {
            let path = "callers[\(index)]"
            if entry.id.isEmpty { problems.append(.init("\(path).id", "is empty")) }
            if !seen.insert(entry.id).inserted { problems.append(.init("\(path).id", "\(entry.id) appears twice")) }
            if units.unit(id: entry.id) != nil { problems.append(.init("\(path).id", "\(entry.id) is a unit in units.json")) }
            if entry.apiToken != nil {
                problems.append(.init("\(path).apiToken", "plain tokens are not stored: replace it with apiTokenHash (scripts/tools/hash-token.py --token …)"))
            }
            guard let stored = entry.apiTokenHash else {
                problems.append(.init(path, "apiTokenHash is missing"))
                continue
            }
            guard let hash = TokenHash(stored: stored) else {
                problems.append(.init("\(path).apiTokenHash", TokenHash.problem(stored: stored) ?? "is not a token hash"))
                continue
            }
            if let other = hashes.updateValue(entry.id, forKey: stored) {
                problems.append(.init("\(path).apiTokenHash", "is the same as the hash of \(other)"))
            }
            callers.append(Caller(id: entry.id, name: entry.name, apiTokenHash: hash))
        }
        return TrustedCallers(callers: callers)
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
