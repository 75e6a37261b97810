import Foundation

/// A person's account in the console: who they are, their role, and for a unit handler their unit.
struct Account: Codable, Sendable, Equatable {
    /// The login name, e.g. `zhang.wei`.
    var accountId: String
    /// The name shown on the timeline, e.g. `张伟`.
    var name: String
    var role: Role
    /// The unit a unit handler works for (units.json); nil for the others.
    var unitId: String?
    var disabled: Bool
}
