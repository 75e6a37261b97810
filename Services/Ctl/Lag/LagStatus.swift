/// How a consumer group stands on a partition, judged the way LinkedIn's Burrow does (see
/// `LagEvaluator` and docs/operations.md). Ordered from best to worst.
public enum LagStatus: String, Sendable, Codable, Comparable, CaseIterable {
    /// Caught up, or catching up.
    case ok = "OK"
    /// Consuming, but the lag keeps growing: the consumer is too slow.
    case warning = "WARNING"
    /// A live member holds the partition but its committed offset does not move while lag > 0.
    case stalled = "STALLED"
    /// Nothing committed for longer than the group's usual commit interval while lag > 0.
    case stopped = "STOPPED"
    /// The figures cannot be read or make no sense (offset beyond the end, offset rewound).
    case error = "ERROR"

    /// The value of the status gauge (`minsheng_consumergroup_status`).
    public var code: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .stalled: 2
        case .stopped: 3
        case .error: 4
        }
    }

    public static func < (lhs: LagStatus, rhs: LagStatus) -> Bool { lhs.code < rhs.code }
}
