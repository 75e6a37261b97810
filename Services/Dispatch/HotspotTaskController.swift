import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// `POST /v1/hotspots/{alertId}/task`: the centre turns a hotspot (alerts.hotspots) into work (未诉先办):
/// a work order for the lead unit it names, with co-operating units and a deadline. Dispatch does not
/// read alerts.hotspots: the caller sends what the order needs from the alert. One task per hotspot
/// (409 for a second).
struct HotspotTaskController: Sendable {
    let database: any DatabaseWriter
    let configuration: ConfigStore
    let clock: any WallClock
    let access: APIAccess
    /// Called after the task committed: wakes the outbox publisher and the deadline watcher.
    let onCommit: @Sendable () -> Void
    /// With several instances: the task goes to the owner of its alert id's partition through this
    /// channel. Without it (one process, the unit tests) it is made here.
    var channel: CommandChannel? = nil

    struct TaskBody: Decodable {
        /// The channel of the hotspot's first report.
        var source: String
        var category: String
        var level: String?
        var town: String
        var village: String?
        /// What the unit is to do, as the sheet shows it.
        var text: String
        var unitId: String
        var coUnitIds: [String]?
        var resolveBy: String?
        var note: String?
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.post("/v1/hotspots/:alertId/task") { request, context in
            await DispatchAPI.respond(request, context, configuration, access: access) { caller, configuration in
                guard caller.isCentre else { throw WorkOrderError.forbidden("only the command centre can turn a hotspot into a task") }
                let alertId = context.parameters.get("alertId") ?? ""
                guard alertId.hasPrefix("hs-"), alertId.count <= 100 else {
                    throw WorkOrderError.invalidField(field: "alertId", message: "alertId must be a hotspot id (hs-…)")
                }
                let body: TaskBody = try await DispatchAPI.decodeBody(request, allowEmpty: false)
                let task = try Self.task(alertId: alertId, body)
                let now = clock.now()
                if let channel { return try await channel.send(task, by: caller, now: now) }
                let order = try await database.write { db in
                    try WorkOrderDesk(configuration: configuration, logger: context.logger).createTask(task, by: caller, db: db, now: now)
                }
                onCommit()
                return HTTPServer.jsonResponse(.created, order)
            }
        }
    }

    static func task(alertId: String, _ body: TaskBody) throws(WorkOrderError) -> WorkOrderDesk.HotspotTask {
        guard let source = Source(rawValue: body.source) else {
            throw .invalidField(field: "source", message: "source must be one of \(Source.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let category = Category(rawValue: body.category) else {
            throw .invalidField(field: "category", message: "category must be a category code, e.g. market")
        }
        var level = Level.normal
        if let raw = body.level {
            guard let parsed = Level(rawValue: raw) else {
                throw .invalidField(field: "level", message: "level must be one of critical, urgent, normal, low")
            }
            level = parsed
        }
        var resolveBy: Date?
        if let raw = body.resolveBy {
            guard let parsed = MessageCoding.parseTimestamp(raw) else {
                throw .invalidField(field: "resolveBy", message: "resolveBy must be an ISO 8601 date-time with an offset")
            }
            resolveBy = parsed
        }
        return WorkOrderDesk.HotspotTask(
            alertId: alertId, source: source, category: category, level: level,
            town: try WorkOrderController.required(body.town, "town"),
            village: try WorkOrderController.text(body.village, "village"),
            text: try WorkOrderController.required(body.text, "text"),
            unitId: try WorkOrderController.required(body.unitId, "unitId"), coUnitIds: body.coUnitIds ?? [],
            resolveBy: resolveBy, note: try WorkOrderController.text(body.note, "note"))
    }
}
