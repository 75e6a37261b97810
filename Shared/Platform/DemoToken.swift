import Crypto
import Foundation

/// The public demo tokens (docs/security.md): derived from ids, so anyone can compute them, and accepted
/// only in demo mode (`MINSHENG_DEMO_MODE=true`). The shipped config carries their hashes; scripts/demo,
/// the tests and `scripts/tools/demo_tokens.py` derive the same tokens.
public enum DemoToken {
    /// A unit's token for dispatch's API (and, for the centre, notification's).
    public static func unit(_ unitId: String) -> String { derive("minsheng-demo:" + unitId) }

    /// An intake sender's token.
    public static func sender(_ senderId: String) -> String { derive("minsheng-demo-sender:" + senderId) }

    /// A trusted caller's token for dispatch's API (`callers.json`: the console).
    public static func caller(_ callerId: String) -> String { derive("minsheng-demo-caller:" + callerId) }

    private static func derive(_ seed: String) -> String {
        TokenHash.demoPrefix + SHA256.hash(data: Array(seed.utf8)).map { String(format: "%02x", $0) }.joined().prefix(32)
    }
}
