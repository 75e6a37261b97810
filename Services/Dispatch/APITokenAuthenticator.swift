import Foundation
import MinshengModel
import MinshengPlatform

/// Finds the caller named by `Authorization: Bearer <token>` among the units' token hashes
/// (`apiTokenHash` in units.json). Every hash is checked, in time that does not depend on where the
/// digests differ; a `demo-` token is refused unless demo mode is on (docs/security.md).
enum APITokenAuthenticator {
    static func caller(authorization: String?, units: UnitDirectory, demoMode: Bool) -> Result<Caller, BearerAuthentication.Failure> {
        let holders = units.units.compactMap { unit in unit.apiTokenHash.map { (holder: unit, hash: $0) } }
        return BearerAuthentication.holder(authorization: authorization, among: holders, demoMode: demoMode)
            .map { Caller(unit: $0) }
    }
}

/// What dispatch's API needs besides the configuration to let a caller in: whether demo tokens work, and
/// the record of failed attempts per client address (429 after too many).
struct APIAccess: Sendable {
    var demoMode: Bool
    var failures: FailedAuthentications

    init(demoMode: Bool, failures: FailedAuthentications = FailedAuthentications(service: .dispatch)) {
        self.demoMode = demoMode
        self.failures = failures
    }
}
