import Foundation
import MinshengModel

/// Finds the caller named by `Authorization: Bearer <token>` among the units' API tokens. Every token
/// is compared in full, in time that does not depend on where the bytes differ, so timing tells an
/// attacker nothing about a token.
enum APITokenAuthenticator {
    /// The caller, or nil when the header is missing, malformed or names no unit.
    static func caller(authorization: String?, units: UnitDirectory) -> Caller? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let presented = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        guard !presented.isEmpty else { return nil }
        var found: UnitDirectory.Unit?
        for unit in units.units {
            guard let token = unit.apiToken else { continue }
            // No early exit: every unit's token is compared.
            if constantTimeEquals(presented, Array(token.utf8)) { found = unit }
        }
        return found.map { Caller(unit: $0) }
    }

    /// Byte-wise comparison whose running time depends only on the lengths.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
