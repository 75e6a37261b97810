import Foundation
import GRDB
import Hummingbird
import MinshengPlatform

/// `GET /v1/notifications?workOrder=…`: every notification about a work order, with its attempts.
struct NotificationController: Sendable {
    let database: any DatabaseWriter

    struct Page: Codable, Sendable {
        var items: [NotificationView]
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/v1/notifications") { request, _ in
            guard let workOrderId = request.uri.queryParameters["workOrder"].map(String.init), !workOrderId.isEmpty else {
                return HTTPServer.errorResponse(.badRequest, code: "missing_field", message: "workOrder is required",
                                                field: "workOrder")
            }
            let items = try await database.read { db in try NotificationStore.list(workOrderId: workOrderId, db: db) }
            return HTTPServer.jsonResponse(.ok, Page(items: items))
        }
    }
}
