import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// The work-order API for handling units and the command centre (docs/openapi.yaml). Every call
/// carries `Authorization: Bearer <unit's API token>` (docs/security.md). A unit sees and acts on its own orders; the centre
/// on all. Each action is one transaction with its timeline entry and its `workorders.updates` message.
///
/// With several instances (docs/scaling.md) any instance answers: reads come from its copy of every
/// order, which follows `dispatch.workorders.changelog` and is a moment behind the owners (eventually
/// consistent: an order just changed elsewhere may show its previous version for a fraction of a
/// second); writes go to the owner of the order's partition as commands, and the caller gets the
/// owner's answer.
///
/// - `GET /v1/workorders?unit=&town=&status=&level=&category=&overdue=&from=&to=&source=&sourceId=&eventId=&limit=&cursor=`
/// - `GET /v1/workorders/{id}`
/// - `POST /v1/workorders/{id}/sign | on-site | progress | resolve | return | reassign | feedback | reopen`
/// - the centre's review: `POST /v1/workorders/{id}/release | answer | merge | approve-return | refuse-return`
///   (WorkOrderController+Review.swift)
struct WorkOrderController: Sendable {
    let database: any DatabaseWriter
    let configuration: ConfigStore
    let clock: any WallClock
    /// Called after an action committed: wakes the outbox publisher and the deadline watcher.
    let onCommit: @Sendable () -> Void
    /// Demo mode and the failed-authentication record.
    let access: APIAccess
    /// With several instances: writes go to the owner of the order's partition through this channel.
    /// Without it (one process, the unit tests) they are made here, in this instance's database.
    var channel: CommandChannel? = nil

    struct Page: Codable, Sendable {
        var items: [WorkOrder]
        /// Pass as `cursor` for the next page; absent on the last page.
        var nextCursor: Int?
    }

    /// The longest note, result, reason or comment accepted.
    static let maximumTextLength = 2000

    // Request bodies.
    struct NoteBody: Decodable { var note: String? }
    struct ProgressBody: Decodable { var note: String }
    struct ResolveBody: Decodable { var result: String; var note: String? }
    struct ReasonBody: Decodable { var reason: String }
    struct ReassignBody: Decodable { var unitId: String; var coUnitIds: [String]?; var note: String? }
    struct FeedbackBody: Decodable { var satisfied: Bool; var comment: String? }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/v1/workorders") { request, context in
            await DispatchAPI.respond(request, context, configuration, access: access) { caller, _ in try await list(request, caller: caller) }
        }
        router.get("/v1/workorders/:id") { request, context in
            await DispatchAPI.respond(request, context, configuration, access: access) { caller, _ in
                try await get(context.parameters.get("id") ?? "", caller: caller)
            }
        }
        action("sign", on: router) { (body: NoteBody) in .sign(note: try text(body.note, "note")) }
        action("on-site", on: router) { (body: NoteBody) in .arriveOnSite(note: try text(body.note, "note")) }
        action("progress", on: router) { (body: ProgressBody) in .addProgress(note: try required(body.note, "note")) }
        action("resolve", on: router) { (body: ResolveBody) in
            .resolve(result: try required(body.result, "result"), note: try text(body.note, "note"))
        }
        action("return", on: router) { (body: ReasonBody) in .returnOrder(reason: try required(body.reason, "reason")) }
        action("reassign", on: router) { (body: ReassignBody) in
            .reassign(unitId: try required(body.unitId, "unitId"), coUnitIds: body.coUnitIds, note: try text(body.note, "note"))
        }
        action("feedback", on: router) { (body: FeedbackBody) in
            .recordFeedback(satisfied: body.satisfied, comment: try text(body.comment, "comment"))
        }
        action("reopen", on: router) { (body: ReasonBody) in .reopen(reason: try required(body.reason, "reason")) }
        addReviewRoutes(to: router)
    }

    /// `POST /v1/workorders/{id}/<name>`: decode the body, make the command, perform it.
    func action<Body: Decodable>(
        _ name: String, on router: Router<HTTPServer.Context>,
        _ command: @escaping @Sendable (Body) throws -> WorkOrderDesk.Command
    ) {
        router.post("/v1/workorders/:id/\(name)") { request, context in
            await DispatchAPI.respond(request, context, configuration, access: access) { caller, configuration in
                let body: Body = try await DispatchAPI.decodeBody(request, allowEmpty: Body.self == NoteBody.self)
                let command = try command(body)
                let id = context.parameters.get("id") ?? ""
                let now = clock.now()
                if let channel { return try await channel.send(command, on: id, by: caller, now: now) }
                let order = try await database.write { db in
                    try WorkOrderDesk(configuration: configuration, logger: context.logger)
                        .perform(command, on: id, by: caller, db: db, now: now)
                }
                onCommit()
                return HTTPServer.jsonResponse(.ok, order)
            }
        }
    }

    private func list(_ request: Request, caller: Caller) async throws -> Response {
        var query = try WorkOrderQuery(parameters: DispatchAPI.parameters(request))
        if !caller.isCentre { query.visibleTo = caller.unitId }
        let now = clock.now()
        let scoped = query
        let page = try await database.read { db in try WorkOrderStore.list(scoped, db: db, now: now) }
        return HTTPServer.jsonResponse(.ok, Page(items: page.items, nextCursor: page.nextCursor))
    }

    private func get(_ id: String, caller: Caller) async throws -> Response {
        let now = clock.now()
        guard let order = try await database.read({ db in try WorkOrderStore.find(id: id, db: db, now: now) }) else {
            throw WorkOrderError.notFound(id)
        }
        // Another unit's order is answered as if it did not exist.
        guard caller.maySee(order) else { throw WorkOrderError.notFound(id) }
        return HTTPServer.jsonResponse(.ok, order)
    }

    /// An optional text: trimmed, empty is absent, not too long.
    static func text(_ value: String?, _ field: String) throws(WorkOrderError) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        guard trimmed.count <= maximumTextLength else {
            throw .invalidField(field: field, message: "\(field) is longer than \(maximumTextLength) characters")
        }
        return trimmed
    }

    /// A text that must be given.
    static func required(_ value: String, _ field: String) throws(WorkOrderError) -> String {
        guard let text = try text(value, field) else { throw .invalidField(field: field, message: "\(field) must not be empty") }
        return text
    }

    private func text(_ value: String?, _ field: String) throws(WorkOrderError) -> String? { try Self.text(value, field) }
    private func required(_ value: String, _ field: String) throws(WorkOrderError) -> String { try Self.required(value, field) }
}
