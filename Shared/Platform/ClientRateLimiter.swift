import Foundation
import Synchronization

/// A token bucket per client (a sender id, a client address): `burst` requests at once, refilled at
/// `perSecond`. Kept in memory: a restart forgets, which only allows one more burst. Clients idle long
/// enough to have a full bucket are forgotten, so the table stays small.
public final class ClientRateLimiter: Sendable {
    public struct Limit: Sendable, Equatable, Codable {
        public var perSecond: Double
        public var burst: Double

        public init(perSecond: Double, burst: Double) {
            self.perSecond = perSecond
            self.burst = burst
        }

        /// What is wrong with the limit, or nil.
        public var problem: String? {
            perSecond > 0 && burst >= 1 ? nil : "perSecond must be above 0 and burst at least 1"
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let defaultLimit: Limit

    public init(_ limit: Limit) { defaultLimit = limit }

    /// Takes one token for `client`: nil when the request may go, else how long to wait before one will.
    public func acquire(_ client: String, limit: Limit? = nil, now: Date = Date()) -> TimeInterval? {
        let limit = limit ?? defaultLimit
        return buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: limit.burst, updated: now)
            bucket.tokens = min(limit.burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * limit.perSecond)
            bucket.updated = now
            defer {
                buckets[client] = bucket
                if buckets.count > 10_000 { Self.forgetFull(&buckets, limit: limit, now: now) }
            }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / limit.perSecond }
            bucket.tokens -= 1
            return nil
        }
    }

    /// How long `client` must wait before a request would be let through, without taking a token.
    public func wait(_ client: String, limit: Limit? = nil, now: Date = Date()) -> TimeInterval? {
        let limit = limit ?? defaultLimit
        return buckets.withLock { buckets in
            guard let bucket = buckets[client] else { return nil }
            let tokens = min(limit.burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * limit.perSecond)
            return tokens >= 1 ? nil : (1 - tokens) / limit.perSecond
        }
    }

    private static func forgetFull(_ buckets: inout [String: Bucket], limit: Limit, now: Date) {
        buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * limit.perSecond < limit.burst }
    }

    /// `Retry-After` in whole seconds, at least 1.
    public static func retryAfterHeader(_ wait: TimeInterval) -> String {
        String(max(1, Int(wait.rounded(.up))))
    }
}
