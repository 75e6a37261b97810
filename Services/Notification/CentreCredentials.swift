import Foundation
import MinshengModel
import MinshengPlatform

/// The command centre's API token hashes from `units.json` (`apiTokenHash` of the unit with tier
/// `centre`, the same token as for dispatch's API): `GET /v1/notifications` answers only the centre.
struct CentreCredentials: Sendable {
    var hashes: [(unitId: String, hash: TokenHash)]

    private struct File: Decodable {
        struct Entry: Decodable {
            var id: String
            var tier: HandlingUnit.Tier
            var apiTokenHash: String?
        }
        var units: [Entry]
    }

    static func load(directory: String) throws(ConfigurationError) -> CentreCredentials {
        let file = try ConfigFile.load(File.self, file: "units.json", directory: directory)
        var hashes: [(unitId: String, hash: TokenHash)] = []
        for (index, entry) in file.units.enumerated() where entry.tier == .centre {
            guard let stored = entry.apiTokenHash else { continue }
            guard let hash = TokenHash(stored: stored) else {
                throw ConfigurationError("\(directory)/units.json: units[\(index)].apiTokenHash \(TokenHash.problem(stored: stored) ?? "")")
            }
            hashes.append((entry.id, hash))
        }
        return CentreCredentials(hashes: hashes)
    }
}
