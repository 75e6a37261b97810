import Synchronization

/// What `/readyz` reports: each part of the service (HTTP, consumer, database, Kafka, outbox) says how
/// it is. A failing part makes the service not ready (503); a degraded one is shown but the service
/// still answers (200), e.g. intake with the broker down keeps taking events into its outbox.
public final class Readiness: Sendable {
    public enum State: Sendable, Equatable {
        case ready
        /// Working, with a problem worth showing (the broker unreachable for a service that can wait).
        case degraded(String)
        /// Not doing its job: the reason says why.
        case failing(String)

        var label: String {
            switch self {
            case .ready: "ready"
            case .degraded: "degraded"
            case .failing: "failing"
            }
        }

        var reason: String? {
            switch self {
            case .ready: nil
            case .degraded(let reason), .failing(let reason): reason
            }
        }
    }

    private let parts = Mutex<[String: State]>([:])

    public init() {}

    public func set(_ part: String, _ state: State) {
        parts.withLock { $0[part] = state }
    }

    public func set(_ part: String, ready: Bool) {
        set(part, ready ? .ready : .failing("not ready"))
    }

    public func state(of part: String) -> State? {
        parts.withLock { $0[part] }
    }

    /// Ready when at least one part reported and none is failing.
    public var snapshot: (ready: Bool, parts: [String: Bool]) {
        let report = self.report
        return (report.status != "not_ready", report.parts)
    }

    /// The body of `/readyz`.
    public var report: ReadinessReport {
        parts.withLock { ReadinessReport($0) }
    }
}

/// The body of `/readyz`: `status` is `ready`, `degraded` or `not_ready`; `parts` says per part whether it
/// does its job (true when ready or degraded); `checks` gives each part's state and reason.
public struct ReadinessReport: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        public var status: String
        public var reason: String?
    }

    public var status: String
    public var parts: [String: Bool]
    public var checks: [String: Check]

    init(_ states: [String: Readiness.State]) {
        parts = states.mapValues { if case .failing = $0 { false } else { true } }
        checks = states.mapValues { Check(status: $0.label, reason: $0.reason) }
        if states.isEmpty || parts.values.contains(false) {
            status = "not_ready"
        } else if states.values.contains(where: { if case .degraded = $0 { true } else { false } }) {
            status = "degraded"
        } else {
            status = "ready"
        }
    }
}
