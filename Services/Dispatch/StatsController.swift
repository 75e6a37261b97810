import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// `GET /v1/stats?from=&to=&unit=&town=&level=&category=`: the cockpit's figures (驾驶舱) over the
/// orders dispatched in `[from, to)`, by default the last 30 days. A unit gets the figures of its own
/// orders; the centre those of all, or of the unit or town it names.
/// Computed from this instance's copy of every order, which follows `dispatch.workorders.changelog`
/// (docs/scaling.md): the same on every instance, a moment behind the owners (eventually consistent).
struct StatsController: Sendable {
    let database: any DatabaseWriter
    let configuration: ConfigStore
    let clock: any WallClock
    let access: APIAccess

    static let defaultRange: TimeInterval = 30 * 86_400

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/v1/stats") { request, context in
            await DispatchAPI.respond(request, context, configuration, access: access) { caller, _ in
                let now = clock.now()
                var query = try WorkOrderQuery(parameters: DispatchAPI.parameters(request))
                query.to = query.to ?? now
                query.from = query.from ?? query.to!.addingTimeInterval(-Self.defaultRange)
                if query.from! >= query.to! { throw WorkOrderError.invalidField(field: "from", message: "from must be before to") }
                if !caller.isCentre { query.visibleTo = caller.unitId }
                let scoped = query
                let stats = try await database.read { db in try WorkOrderStats.compute(scoped, db: db, now: now) }
                return HTTPServer.jsonResponse(.ok, stats)
            }
        }
    }
}
