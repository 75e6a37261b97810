import Foundation

/// A consumer group's state from its recent lag samples, after Burrow's rules (BRIEF.md):
/// - `stopped`: lag above zero and the group's service is down (its `/readyz` does not answer), or the
///   group never committed on a partition that has messages;
/// - `stalled`: lag above zero on a partition whose committed offset did not move over the window;
/// - `warning`: the group's lag grew in every sample of the window;
/// - `ok`: otherwise.
/// The window is the last `window` samples (15 s apart: about a minute and a half).
enum LagStatus: String, Codable, Sendable, Comparable {
    case ok
    case warning
    case stalled
    case stopped

    static let window = 6
    private var rank: Int { [.ok: 0, .warning: 1, .stalled: 2, .stopped: 3][self]! }
    static func < (a: LagStatus, b: LagStatus) -> Bool { a.rank < b.rank }

    /// `history`: the group's samples, oldest first, one array per sampling; `serviceUp`: whether the
    /// group's service answered its last readiness check (nil: not watched).
    static func evaluate(_ history: [[GroupLagProbe.Sample]], serviceUp: Bool?) -> LagStatus {
        guard let latest = history.last, !latest.isEmpty else { return .ok }
        let lag = latest.reduce(0) { $0 + $1.lag }
        guard lag > 0 else { return .ok }
        if serviceUp == false { return .stopped }
        if latest.contains(where: { $0.committed == nil && $0.end > 0 }) && history.count >= window { return .stopped }
        let recent = history.suffix(window)
        if recent.count >= 3 {
            for sample in latest where sample.lag > 0 {
                let committed = recent.map { samples in samples.first { $0.topic == sample.topic && $0.partition == sample.partition }?.committed }
                if committed.count == recent.count, Set(committed.map { $0 ?? -1 }).count == 1 { return .stalled }
            }
            let sums = recent.map { $0.reduce(0) { $0 + $1.lag } }
            if zip(sums, sums.dropFirst()).allSatisfy({ $0 < $1 }) { return .warning }
        }
        return .ok
    }
}
