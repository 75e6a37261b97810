import Foundation

/// Burrow's evaluation of one partition (linkedin/Burrow `core/internal/evaluator/caching.go`,
/// `calculatePartitionStatus` and its rules), applied to a `PartitionHistory`:
///
/// 1. Lag now at or below the allowed lag: OK.
/// 2. Rule 3 — stopped: the time since the last commit is longer than the span of the commits in the
///    window (the group's usual commit interval; at least `minimumSilence` here, because a window of
///    one commit has no span), and the lag was not zero in the recent end offsets: STOPPED.
/// 3. Rule 2 — rewind: the committed offset went back and has not come back up: ERROR (Burrow's
///    REWIND, which it reports as ERROR for the group).
/// 4. Rule 1 — if the lag was ever at or below the allowed lag in the window: OK. Otherwise
///    Rule 4 — every commit in the window has the same offset: STALLED;
///    Rule 5 — the offsets move but the lag never decreases: WARNING.
///
/// Differences from Burrow, each for a reason: rules 4 and 5 need two commits (one proves nothing
/// about movement; Burrow would say STALLED); nothing is judged before `minimumSamples` samples
/// (Burrow's `minimum-complete`); an offset beyond the partition's end is ERROR (Burrow calls it lag 0).
public struct LagEvaluator: Sendable {
    public struct Rules: Sendable, Equatable {
        /// Lag that counts as caught up (Burrow's `allowed-lag`, default 0).
        public var allowedLag: Int64 = 0
        /// The least silence that counts as longer than usual.
        public var minimumSilence: TimeInterval = 2
        /// Samples needed before a partition is judged at all.
        public var minimumSamples = 3

        public init(allowedLag: Int64 = 0, minimumSilence: TimeInterval = 2, minimumSamples: Int = 3) {
            self.allowedLag = allowedLag
            self.minimumSilence = minimumSilence
            self.minimumSamples = minimumSamples
        }
    }

    /// A status and, for anything but OK, why.
    public struct Verdict: Sendable, Equatable {
        public var status: LagStatus
        public var reason: String?
        /// Whether the window had enough samples to judge.
        public var complete: Bool

        public init(_ status: LagStatus, _ reason: String? = nil, complete: Bool = true) {
            self.status = status
            self.reason = reason
            self.complete = complete
        }
    }

    public var rules: Rules

    public init(rules: Rules = Rules()) { self.rules = rules }

    /// Judges `history` at `now`, given the lag read in the last sample.
    public func evaluate(_ history: PartitionHistory, currentLag: Int64, now: Date) -> Verdict {
        guard history.samples >= rules.minimumSamples, let first = history.commits.first, let last = history.commits.last else {
            return Verdict(.ok, complete: false)
        }
        let commits = history.commits
        if currentLag <= rules.allowedLag { return Verdict(.ok) }

        // Rule 3: no commit for longer than usual, unless the group was caught up a moment ago.
        let silence = now.timeIntervalSince(last.at)
        let usual = max(last.at.timeIntervalSince(first.at), rules.minimumSilence)
        let recentlyCaughtUp = history.endOffsets.contains { $0 <= last.offset }
        if silence > usual && !recentlyCaughtUp {
            return Verdict(.stopped, "no commit for \(Self.seconds(silence)) (usually within \(Self.seconds(usual))) with lag \(currentLag)")
        }

        // Rule 2: a rewind that has not recovered.
        if let index = commits.indices.dropFirst().first(where: { commits[$0].offset < commits[$0 - 1].offset }),
           !commits[index...].contains(where: { $0.offset >= commits[index - 1].offset }) {
            return Verdict(.error, "committed offset went back from \(commits[index - 1].offset) to \(commits[index].offset)")
        }

        // Rule 1, then rules 4 and 5.
        guard commits.count >= 2, commits.allSatisfy({ $0.lag > rules.allowedLag }) else { return Verdict(.ok) }
        if commits.allSatisfy({ $0.offset == first.offset }) {
            return Verdict(.stalled, "committed offset stays at \(first.offset) over \(Self.seconds(now.timeIntervalSince(first.at))) with lag \(currentLag)")
        }
        let lags = commits.map(\.lag)
        if zip(lags, lags.dropFirst()).allSatisfy({ $0 <= $1 }) {
            return Verdict(.warning, "lag grew from \(lags[0]) to \(lags[lags.count - 1]) while consuming")
        }
        return Verdict(.ok)
    }

    static func seconds(_ interval: TimeInterval) -> String {
        interval < 10 ? String(format: "%.1fs", interval) : "\(Int(interval.rounded()))s"
    }
}
