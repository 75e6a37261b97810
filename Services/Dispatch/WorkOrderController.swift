import Foundation
import GRDB
import Hummingbird
import MinshengModel
import MinshengPlatform

/// Read access to work orders: `GET /v1/workorders/{id}` and
/// `GET /v1/workorders?source=&sourceId=&eventId=&unit=&limit=` (newest first).
struct WorkOrderController: Sendable {
    let database: any DatabaseWriter

    struct Page: Codable, Sendable {
        var items: [WorkOrder]
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/v1/workorders/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let order = try await database.read({ db in try WorkOrderStore.find(id: id, db: db) }) else {
                return HTTPServer.errorResponse(.notFound, code: "not_found", message: "no work order \(id)")
            }
            return HTTPServer.jsonResponse(.ok, order)
        }
        router.get("/v1/workorders") { request, _ in
            let query = request.uri.queryParameters
            let source = query["source"].map(String.init)
            if let source, Source(rawValue: source) == nil {
                return HTTPServer.errorResponse(.badRequest, code: "invalid_field",
                                                message: "source must be one of \(Source.allCases.map(\.rawValue).joined(separator: ", "))",
                                                field: "source")
            }
            var limit = 50
            if let raw = query["limit"] {
                guard let parsed = Int(raw), (1...500).contains(parsed) else {
                    return HTTPServer.errorResponse(.badRequest, code: "invalid_field", message: "limit must be 1-500", field: "limit")
                }
                limit = parsed
            }
            let pageSize = limit
            let items = try await database.read { db in
                try WorkOrderStore.list(
                    source: source, sourceId: query["sourceId"].map(String.init), eventId: query["eventId"].map(String.init),
                    unitId: query["unit"].map(String.init), limit: pageSize, db: db)
            }
            return HTTPServer.jsonResponse(.ok, Page(items: items))
        }
    }
}
