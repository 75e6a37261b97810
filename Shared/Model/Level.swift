/// How urgent an event is (事件办理等级).
public enum Level: String, Codable, Sendable, CaseIterable, Comparable {
    /// Danger to life, or a crime or fire in progress.
    case critical
    /// Action needed within hours.
    case urgent
    /// An ordinary complaint or request.
    case normal
    /// Consultation, suggestion, praise.
    case low

    /// Higher is more urgent.
    public var rank: Int {
        switch self {
        case .critical: 3
        case .urgent: 2
        case .normal: 1
        case .low: 0
        }
    }

    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
}
