import Foundation
import Synchronization

/// At most `limit` messages to one recipient in any `window`: a unit's duty group or a citizen's phone
/// is not flooded in a burst. A message is one attempt of one notification (`message(notificationId:attempt:)`),
/// so an attempt counted twice (reserved here, then restored from the database) counts once.
///
/// It counts what this instance sends and what it learns from the database (`note`): the attempts of
/// the last window in the notifications it holds. `DeliveryWorker` notes them at start and whenever it
/// takes over a partition, whose restored notifications carry the former owner's attempts; so neither a
/// restart nor a hand-over allows a new burst. Instances do not tell each other: with several, each
/// counts its own sends (docs/notifications.md says what the limit then means).
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    /// Per recipient: when each counted message went.
    private let sent = Mutex<[String: [String: Date]]>([:])

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// The identity of one attempt of one notification.
    static func message(notificationId: String, attempt: Int) -> String { "\(notificationId)#\(attempt)" }

    /// Nil when `message` to `recipient` may go now (and counts it); else when it may go.
    func reserve(_ recipient: String, message: String, now: Date) -> Date? {
        sent.withLock { sent in
            var times = (sent[recipient] ?? [:]).filter { now.timeIntervalSince($0.value) < window }
            defer { sent[recipient] = times.isEmpty ? nil : times }
            if times[message] != nil { return nil }
            guard times.count >= limit else {
                times[message] = now
                return nil
            }
            let sorted = times.values.sorted()
            return sorted[sorted.count - limit].addingTimeInterval(window)
        }
    }

    /// Counts `message`, sent to `recipient` at `at` (by this instance before a restart, or by a former
    /// owner of a partition), unless it is counted already or outside the window.
    func note(_ recipient: String, message: String, at: Date, now: Date) {
        guard now.timeIntervalSince(at) < window else { return }
        sent.withLock { sent in
            if sent[recipient]?[message] == nil { sent[recipient, default: [:]][message] = at }
        }
    }

    /// Forgets what is outside the window (recipients nobody wrote to lately).
    func prune(now: Date) {
        sent.withLock { sent in
            sent = sent.compactMapValues { times in
                let kept = times.filter { now.timeIntervalSince($0.value) < window }
                return kept.isEmpty ? nil : kept
            }
        }
    }
}
