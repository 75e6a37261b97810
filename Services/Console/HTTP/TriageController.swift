import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// The triage desk (分拨台) and every action on an order, through dispatch's API.
///
/// - `GET /api/triage`: held reports with their classification, returns waiting for the centre, hotspots
/// - `POST /api/orders/{id}/{action}`: `release`, `answer`, `merge`, `approve-return`, `refuse-return`,
///   `reassign`, `feedback`, `reopen` (centre staff); `sign`, `on-site`, `progress`, `resolve`, `return`
///   (a unit's handler for their unit, or centre staff for the centre). The body is passed on with only
///   the fields the action takes; dispatch's answer (the order, or its refusal) comes back as it is.
/// - `POST /api/hotspots/{alertId}/task` `{"unitId","coUnitIds"?,"level"?,"resolveBy"?,"followUpDays"?,"note"?}`
struct TriageController: Sendable {
    let app: ConsoleApp

    /// Each action: whether only the centre may, and the body fields dispatch takes.
    static let actions: [String: (centreOnly: Bool, fields: [String])] = [
        "release": (true, ["category", "level", "town", "village", "unitId", "coUnitIds", "note"]),
        "answer": (true, ["answer", "category", "level", "town", "village"]),
        "merge": (true, ["into", "note"]),
        "approve-return": (true, ["unitId", "coUnitIds", "note"]),
        "refuse-return": (true, ["note"]),
        "reassign": (true, ["unitId", "coUnitIds", "note"]),
        "feedback": (true, ["satisfied", "comment"]),
        "reopen": (true, ["reason"]),
        "sign": (false, ["note"]),
        "on-site": (false, ["note"]),
        "progress": (false, ["note"]),
        "resolve": (false, ["result", "note"]),
        "return": (false, ["reason"]),
    ]

    struct Triage: Encodable {
        struct Held: Encodable {
            var order: OrderSummary
            var requestType: String?
            var confidence: Double?
            var explanation: String?
            var needsReview: Bool?
            var police: Bool?
            var shuangfei: Bool?
            var receivedAt: Date?
        }
        var held: [Held]
        var returned: [OrderSummary]
        var hotspots: [HotspotSummary]
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/api/triage") { request, _ in
            await ConsoleAPI.respond(request, app, access: .countyWide, changes: false) { session in
                let now = app.now()
                let mask = !session.account.role.seesPhones
                let triage = try await app.database.read { db in try Self.triage(app: app, maskPhones: mask, db: db, now: now) }
                return ConsoleAPI.json(triage)
            }
        }
        router.post("/api/orders/:id/:action") { request, context in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: true) { session in
                let id = context.parameters.get("id") ?? ""
                let action = context.parameters.get("action") ?? ""
                guard let rule = Self.actions[action] else { throw ConsoleAPI.Refusal.notFound("没有操作 \(action)") }
                let account = session.account
                if rule.centreOnly { try ConsoleAPI.check(.centre, account) }
                guard let unit = app.actingUnit(of: account) else { throw ConsoleAPI.Refusal.forbidden("只读账号不能办理工单") }
                // WO<date>-<partition>-<n> (partitioned dispatch), or WO<date>-<n> from before it.
                guard id.range(of: #"^WO\d{8}-(\d{1,2}-)?\d{6}$"#, options: .regularExpression) != nil else {
                    throw ConsoleAPI.Refusal.notFound("没有工单 \(id)")
                }
                let body = try await ConsoleAPI.jsonObject(request)
                let forwarded = body.filter { rule.fields.contains($0.key) }
                let answer = try await app.dispatch.post("/v1/workorders/\(id)/\(action)", body: forwarded, actingFor: unit,
                                                         person: app.person(account))
                if (200..<300).contains(answer.status) {
                    app.logger.info("Order action", metadata: [
                        "workOrder.id": "\(id)", "action": "\(action)", "account.id": "\(account.accountId)", "unit.id": "\(unit)",
                    ])
                }
                return try ConsoleAPI.passOn(answer)
            }
        }
        router.post("/api/hotspots/:alertId/task") { request, context in
            await ConsoleAPI.respond(request, app, access: .centre, changes: true) { session in
                try await createTask(alertId: context.parameters.get("alertId") ?? "", request: request, session: session)
            }
        }
    }

    static func triage(app: ConsoleApp, maskPhones: Bool, db: Database, now: Date) throws -> Triage {
        let config = app.configuration
        let held = try Row.fetchAll(db, sql: """
            SELECT w.*, e.request_type, e.confidence, e.explanation, e.needs_review, e.police, e.shuangfei, e.received_at
            FROM work_order w LEFT JOIN event e ON e.event_id = w.event_id WHERE w.status = 'held' ORDER BY w.review_by, w.dispatched_at
            """).map { row in
            Triage.Held(order: OrderSummary.from(row, now: now, fraction: config.warningFraction, units: config.units, maskPhone: maskPhones),
                        requestType: row["request_type"], confidence: row["confidence"], explanation: row["explanation"],
                        needsReview: (row["needs_review"] as Int?).map { $0 == 1 }, police: (row["police"] as Int?).map { $0 == 1 },
                        shuangfei: (row["shuangfei"] as Int?).map { $0 == 1 },
                        receivedAt: (row["received_at"] as String?).flatMap(MessageCoding.parseTimestamp))
        }
        let returned = try Row.fetchAll(db, sql: "SELECT * FROM work_order WHERE status = 'returned' ORDER BY review_by").map {
            OrderSummary.from($0, now: now, fraction: config.warningFraction, units: config.units, maskPhone: maskPhones)
        }
        let hotspots = try HotspotSummary.recent(since: now.addingTimeInterval(-30 * 86_400), limit: 50, configuration: config,
                                                 db: db, now: now)
        return Triage(held: held, returned: returned, hotspots: hotspots)
    }

    /// A task for a hotspot: dispatch makes the work order from what the console knows of the alert.
    private func createTask(alertId: String, request: Request, session: SessionStore.Session) async throws -> Response {
        let now = app.now()
        guard let hotspot = try await app.database.read({ db in try HotspotSummary.find(alertId, db: db, now: now) }) else {
            throw ConsoleAPI.Refusal.notFound("没有热点 \(alertId)")
        }
        let body = try await ConsoleAPI.jsonObject(request)
        let unitId = try ConsoleAPI.string(body, "unitId", required: true, maximum: 100)!
        var days = HotspotFollowUp.defaultDays
        if let raw = body["followUpDays"], !(raw is NSNull) {
            guard let value = raw as? Int, (1...90).contains(value) else {
                throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "回访观察天数应为 1-90", field: "followUpDays")
            }
            days = value
        }
        let category = Category(rawValue: hotspot.category) ?? .other
        let place = hotspot.town + (hotspot.village ?? "")
        let text = "【未诉先办】\(place)近期\(hotspot.reporterCount)人、\(hotspot.eventCount)次反映\(category.chineseName)问题："
            + hotspot.theme.joined(separator: "、") + "。请牵头单位会同协办单位排查处置，从源头解决。"
        var forwarded: [String: Any] = [
            "source": hotspot.sources.first ?? Source.hotline12345.rawValue, "category": hotspot.category, "town": hotspot.town,
            "text": text, "unitId": unitId,
        ]
        if let village = hotspot.village { forwarded["village"] = village }
        for key in ["coUnitIds", "level", "resolveBy", "note"] where body[key] != nil && !(body[key] is NSNull) { forwarded[key] = body[key] }
        let account = session.account
        let answer = try await app.dispatch.post("/v1/hotspots/\(alertId)/task", body: forwarded,
                                                 actingFor: app.actingUnit(of: account) ?? "centre", person: app.person(account))
        if (200..<300).contains(answer.status),
           let order = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
           let workOrderId = order["workOrderId"] as? String {
            let days = days
            try await app.database.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO hotspot_task (alert_id, work_order_id, follow_up_days, created_at, created_by)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [alertId, workOrderId, days, MessageCoding.formatTimestamp(now), account.accountId])
            }
            app.feed.publish(["hotspots"])
        }
        return try ConsoleAPI.passOn(answer)
    }
}
