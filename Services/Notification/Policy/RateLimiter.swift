import Foundation
import Synchronization

/// At most `limit` messages to one recipient in any `window`: a unit's duty group or a citizen's phone
/// is not flooded in a burst. Kept in memory (a restart forgets recent sends, and allows a burst again).
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let sent = Mutex<[String: [Date]]>([:])

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Nil when a message to `recipient` may go now (and counts it); else when it may go.
    func reserve(_ recipient: String, now: Date) -> Date? {
        sent.withLock { sent in
            var times = (sent[recipient] ?? []).filter { now.timeIntervalSince($0) < window }
            defer { sent[recipient] = times }
            guard times.count >= limit else {
                times.append(now)
                return nil
            }
            return times[times.count - limit].addingTimeInterval(window)
        }
    }
}
