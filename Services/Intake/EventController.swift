import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// `POST /v1/events/{source}`: the same JSON as the inbound topics, for systems that speak HTTP and for
/// walk-ins entered at a service station. Every request carries its sending system's token, and a sender
/// posts only to its own sources (`SenderGate`, docs/security.md).
struct EventController: Sendable {
    let desk: IntakeDesk
    let database: any DatabaseWriter
    let gate: SenderGate
    /// Called after an event committed: wakes the outbox publisher.
    let onCommit: @Sendable () -> Void

    struct Accepted: Codable, Sendable {
        var eventId: String
        /// `accepted`, or `duplicate` when the same source and id came before.
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
        let outcome = try await database.write { db in
            try desk.receive(bytes, source: source, origin: "http:\(sender.id)", db: db, now: Date())
        }
        onCommit()
        switch outcome {
        case .accepted(let eventId):
            return HTTPServer.jsonResponse(.accepted, Accepted(eventId: eventId, status: "accepted"))
        case .duplicate(let eventId):
            return HTTPServer.jsonResponse(.accepted, Accepted(eventId: eventId, status: "duplicate"))
        case .rejected(let rejected):
            return HTTPServer.errorResponse(.badRequest, code: rejected.reason, message: rejected.message, field: rejected.field)
        }
    }
}
