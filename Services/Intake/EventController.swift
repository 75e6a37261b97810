import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// `POST /v1/events/{source}`: the same JSON as the inbound topics, for systems that speak HTTP and for
/// walk-ins entered at a service station. Every request carries its sending system's token, and a sender
/// posts only to its own sources (`SenderGate`, docs/security.md).
///
/// Any instance takes the request: it validates it (a refusal is answered at once) and hands the event
/// to the instance that owns its (source, id) through its outbox (durable before it answers), then
/// waits a moment for that owner's decision: `accepted` or `duplicate`. When the decision does not come
/// in time (the broker is down, say) the answer is `received`: the event is taken in and will be decided
/// on; its id is final either way. A retry of the same event, on any instance, is the same request to
/// the same owner: never a second event.
struct EventController: Sendable {
    let desk: IntakeDesk
    let database: any DatabaseWriter
    let gate: SenderGate
    let waiters: ReplyWaiters<IntakeDecision>
    let instanceId: String
    /// How long to wait for the owner's decision before answering `received`.
    var decisionWait: Duration = .seconds(2)
    /// Called after an event committed: wakes the outbox publisher.
    let onCommit: @Sendable () -> Void

    struct Accepted: Codable, Sendable {
        var eventId: String
        /// `accepted`; `duplicate` when the same source and id came before; `received` when the decision
        /// is not known yet.
        var status: String
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.post("/v1/events/:source") { request, context in
            try await self.receive(request, context: context)
        }
    }

    func receive(_ request: Request, context: HTTPServer.Context) async throws -> Response {
        let sourceName = context.parameters.get("source") ?? ""
        guard let source = Source(rawValue: sourceName) else {
            return HTTPServer.errorResponse(
                .badRequest, code: "invalid_field",
                message: "source must be one of \(Source.allCases.map(\.rawValue).joined(separator: ", "))", field: "source")
        }
        let sender: SenderDirectory.Sender
        switch gate.admit(request, source: source, context: context) {
        case .success(let admitted): sender = admitted
        case .failure(let refused): return refused.response
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: InboundEventValidator.maximumMessageBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            _ = error
            return HTTPServer.errorResponse(
                .contentTooLarge, code: "too_large",
                message: "body is larger than \(InboundEventValidator.maximumMessageBytes) bytes")
        }
        let bytes = Array(body.readableBytesView)
        let replyTo = IntakeRequest.ReplyTo(instanceId: instanceId, requestId: UUID().uuidString.lowercased())
        let routing = try await database.write { db in
            let routing = try desk.route(bytes, source: source, origin: "http:\(sender.id)", replyTo: replyTo, db: db, now: Date())
            if case .request(let request) = routing {
                try Outbox.enqueue(db, topic: Topics.intakeRequests, key: request.key, message: request)
            }
            return routing
        }
        onCommit()
        switch routing {
        case .rejected(let rejected):
            return HTTPServer.errorResponse(.badRequest, code: rejected.reason, message: rejected.message, field: rejected.field)
        case .request(let request):
            guard let decision = await waiters.wait(for: replyTo.requestId, timeout: decisionWait) else {
                return HTTPServer.jsonResponse(.accepted, Accepted(eventId: request.eventId, status: "received"))
            }
            return HTTPServer.jsonResponse(.accepted, Accepted(eventId: decision.eventId, status: decision.outcome.rawValue))
        }
    }
}
