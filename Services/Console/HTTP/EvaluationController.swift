import Foundation
import Hummingbird
import MinshengModel
import MinshengPlatform

/// The evaluation (考核) of units and towns.
///
/// - `GET /api/evaluation?by=unit|town&month=2026-11` (or `from=&to=`): `Evaluation`
/// - `GET /api/evaluation.csv?…`: the same as CSV
struct EvaluationController: Sendable {
    let app: ConsoleApp

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/api/evaluation") { request, _ in
            await ConsoleAPI.respond(request, app, access: .countyWide, changes: false) { _ in
                ConsoleAPI.json(try await evaluation(request))
            }
        }
        router.get("/api/evaluation.csv") { request, _ in
            await ConsoleAPI.respond(request, app, access: .countyWide, changes: false) { _ in
                let evaluation = try await evaluation(request)
                let month = ChineseTime.text(evaluation.from, offset: app.configuration.utcOffset).prefix(7)
                return Response(status: .ok, headers: [
                    .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"evaluation-\(evaluation.grouping.rawValue)-\(month).csv\"",
                ], body: .init(byteBuffer: ByteBuffer(string: evaluation.csv())))
            }
        }
    }

    private func evaluation(_ request: Request) async throws -> Evaluation {
        let query = ConsoleAPI.query(request)
        let grouping = Evaluation.Grouping(rawValue: query["by"] ?? "unit")
        guard let grouping else { throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "by 应为 unit 或 town", field: "by") }
        let period: Period
        if let month = query["month"] {
            let parts = month.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, (2000...2100).contains(parts[0]), (1...12).contains(parts[1]),
                  let start = app.configuration.calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1))
            else { throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "month 应为 YYYY-MM", field: "month") }
            period = .month(containing: start, calendar: app.configuration.calendar)
        } else if query["from"] != nil {
            period = try CockpitController.period(query, app: app)
        } else {
            period = .month(containing: app.now(), calendar: app.configuration.calendar)
        }
        return try await app.database.read { db in
            try Evaluation.compute(period, by: grouping, configuration: app.configuration, db: db)
        }
    }
}
