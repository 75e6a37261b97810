import Foundation

/// What one service said when its `/readyz` was last asked.
struct ServiceHealth: Codable, Sendable, Equatable {
    enum State: String, Codable, Sendable {
        case ready
        case notReady = "not_ready"
        case unreachable
    }

    var service: String
    var url: String
    var state: State
    /// The parts `/readyz` reported (consumer, http, kafka…).
    var parts: [String: Bool]
    var detail: String?
    var checkedAt: Date
}
