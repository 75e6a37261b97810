import Foundation
import Hummingbird
import Logging
import MinshengModel
import MinshengPlatform

/// Who may post events over HTTP, to which source, how often: authenticates the sender by its token
/// (failures logged and limited per client address), refuses a source that is not the sender's (403),
/// and limits each sender's requests (429 with `Retry-After`).
struct SenderGate: Sendable {
    let senders: SenderDirectory
    let demoMode: Bool
    let failures: FailedAuthentications
    let limiter: ClientRateLimiter

    init(senders: SenderDirectory, demoMode: Bool, failures: FailedAuthentications = FailedAuthentications(service: .intake)) {
        self.senders = senders
        self.demoMode = demoMode
        self.failures = failures
        limiter = ClientRateLimiter(senders.rateLimit)
    }

    /// The sender, or the answer that refuses the request.
    func admit(_ request: Request, source: Source, context: HTTPServer.Context, now: Date = Date()) -> Result<SenderDirectory.Sender, Refused> {
        if let wait = failures.lockedOut(context.clientAddress, now: now) {
            return .failure(Refused(response: FailedAuthentications.tooManyResponse(
                retryAfter: wait, message: "too many failed authentications; retry later")))
        }
        let holders = senders.senders.map { (holder: $0, hash: $0.tokenHash) }
        let sender: SenderDirectory.Sender
        switch BearerAuthentication.holder(authorization: request.headers[.authorization], among: holders, demoMode: demoMode) {
        case .success(let found): sender = found
        case .failure(let failure):
            failures.record(failure, address: context.clientAddress, path: request.uri.path, logger: context.logger, now: now)
            return .failure(Refused(response: FailedAuthentications.unauthorizedResponse(
                realm: "minsheng-intake", message: "send Authorization: Bearer <your system's intake token>")))
        }
        guard sender.sources.contains(source) else {
            context.logger.notice("Sender posted to a source that is not its own", metadata: [
                "sender.id": "\(sender.id)", "event.source": "\(source.rawValue)", "http.client": "\(context.clientAddress)",
            ])
            return .failure(Refused(response: HTTPServer.errorResponse(
                .forbidden, code: "forbidden",
                message: "this sender may post only to \(sender.sources.map(\.rawValue).sorted().joined(separator: ", "))",
                field: "source")))
        }
        if let wait = limiter.acquire(sender.id, limit: sender.rateLimit, now: now) {
            var response = HTTPServer.errorResponse(.tooManyRequests, code: "rate_limited",
                                                    message: "too many requests from this sender; retry later")
            response.headers[.retryAfter] = ClientRateLimiter.retryAfterHeader(wait)
            return .failure(Refused(response: response))
        }
        return .success(sender)
    }

    struct Refused: Error {
        var response: Response
    }
}
