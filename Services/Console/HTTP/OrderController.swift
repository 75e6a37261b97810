import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// Finding orders and an order's page, and a unit's workbench.
///
/// - `GET /api/search?q=`: by work-order number, phone, source id, or words (a unit's handler: its orders)
/// - `GET /api/orders/{id}`: `OrderDetail` (a unit's handler: only orders it leads or co-operates on)
/// - `GET /api/workbench[?unit=]`: a unit's orders, open first, with deadlines (centre staff may name the unit)
struct OrderController: Sendable {
    let app: ConsoleApp

    struct Workbench: Encodable {
        var unitId: String
        var unitName: String
        var open: [OrderSummary]
        var recent: [OrderSummary]
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/api/search") { request, _ in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: false) { session in
                let q = String((ConsoleAPI.query(request)["q"] ?? "").prefix(100))
                let account = session.account
                let now = app.now()
                let results = try await app.database.read { db in
                    try OrderSearch.find(q, visibleTo: account.role == .unit ? account.unitId : nil, configuration: app.configuration,
                                         maskPhones: !account.role.seesPhones, db: db, now: now)
                }
                return ConsoleAPI.json(["items": results])
            }
        }
        router.get("/api/orders/:id") { request, context in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: false) { session in
                let id = context.parameters.get("id") ?? ""
                let account = session.account
                let now = app.now()
                guard let detail = try await app.database.read({ db in
                    try OrderDetail.find(id, configuration: app.configuration, maskPhones: !account.role.seesPhones, db: db, now: now)
                }) else { throw ConsoleAPI.Refusal.notFound("没有工单 \(id)") }
                if account.role == .unit, let unit = account.unitId, detail.order.unitId != unit, !detail.order.coUnitIds.contains(unit) {
                    // Another unit's order is not revealed, not even that it exists.
                    throw ConsoleAPI.Refusal.notFound("没有工单 \(id)")
                }
                return ConsoleAPI.json(detail)
            }
        }
        router.get("/api/workbench") { request, _ in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: false) { session in
                let account = session.account
                let unitId: String
                if account.role == .unit, let own = account.unitId {
                    unitId = own
                } else if let named = ConsoleAPI.query(request)["unit"], app.configuration.units.unit(id: named) != nil {
                    unitId = named
                } else {
                    throw ConsoleAPI.Refusal.badRequest(code: "missing_field", message: "请选择单位", field: "unit")
                }
                let now = app.now()
                let config = app.configuration
                let bench = try await app.database.read { db -> Workbench in
                    let mine = "(unit_id = ? OR ',' || co_unit_ids || ',' LIKE '%,' || ? || ',%')"
                    let open = try Row.fetchAll(db, sql: """
                        SELECT * FROM work_order WHERE \(mine) AND status IN ('dispatched', 'signed', 'on_site', 'reopened')
                        ORDER BY resolve_by
                        """, arguments: [unitId, unitId])
                    let recent = try Row.fetchAll(db, sql: """
                        SELECT * FROM work_order WHERE \(mine) AND status NOT IN ('dispatched', 'signed', 'on_site', 'reopened')
                        ORDER BY updated_at DESC LIMIT 30
                        """, arguments: [unitId, unitId])
                    let summary = { (row: Row) in
                        OrderSummary.from(row, now: now, fraction: config.warningFraction, units: config.units,
                                          maskPhone: !account.role.seesPhones)
                    }
                    return Workbench(unitId: unitId, unitName: config.unitName(unitId), open: open.map(summary), recent: recent.map(summary))
                }
                return ConsoleAPI.json(bench)
            }
        }
    }
}
