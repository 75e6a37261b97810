import Foundation
import Hummingbird
import Logging
import Metrics

/// Failed authentications per client address: each is logged (address, path, reason; never the token)
/// and counted, and an address that fails too often is refused with 429 for a while, whatever it sends.
/// Defaults: 10 failures at once, then one more every 6 s (10 a minute).
public final class FailedAuthentications: Sendable {
    private let limiter: ClientRateLimiter
    private let limit: ClientRateLimiter.Limit
    private let service: String

    public init(service: ServiceName, limit: ClientRateLimiter.Limit = .init(perSecond: 1.0 / 6, burst: 10)) {
        self.limit = limit
        self.service = service.rawValue
        limiter = ClientRateLimiter(limit)
    }

    /// Whether `address` is locked out now: how long it must wait.
    public func lockedOut(_ address: String, now: Date = Date()) -> TimeInterval? {
        limiter.wait(address, now: now)
    }

    /// Records a failure from `address`; returns how long it is now locked out, if it is.
    @discardableResult
    public func record(
        _ failure: BearerAuthentication.Failure, address: String, path: String, logger: Logger, now: Date = Date()
    ) -> TimeInterval? {
        Counter(label: "minsheng_http_authentication_failures_total", dimensions: [("reason", failure.rawValue)]).increment()
        let over = limiter.acquire(address, now: now)
        logger.notice("Authentication failed", metadata: [
            "http.client": "\(address)", "http.path": "\(path)", "auth.failure": "\(failure.rawValue)",
            "auth.lockedOut": "\(over != nil)",
        ])
        return over
    }

    /// The 429 answer for a locked-out client.
    public static func tooManyResponse(retryAfter: TimeInterval, message: String) -> Response {
        var response = HTTPServer.errorResponse(.tooManyRequests, code: "rate_limited", message: message)
        response.headers[.retryAfter] = ClientRateLimiter.retryAfterHeader(retryAfter)
        return response
    }

    /// The 401 answer: the same whatever the reason.
    public static func unauthorizedResponse(realm: String, message: String) -> Response {
        var response = HTTPServer.errorResponse(.unauthorized, code: "unauthorized", message: message)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\""
        return response
    }
}
