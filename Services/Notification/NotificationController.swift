import Foundation
import GRDB
import Hummingbird
import MinshengPlatform

/// `GET /v1/notifications?workOrder=…` (or `?alert=…`): every notification about a work order or a
/// hotspot alert, with its attempts. Citizens' phone numbers are masked.
struct NotificationController: Sendable {
    let database: any DatabaseWriter

    struct Page: Codable, Sendable {
        var items: [NotificationView]
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/v1/notifications") { request, _ in
            let query = request.uri.queryParameters
            guard let subject = (query["workOrder"] ?? query["alert"]).map(String.init), !subject.isEmpty else {
                return HTTPServer.errorResponse(.badRequest, code: "missing_field", message: "workOrder (or alert) is required",
                                                field: "workOrder")
            }
            let items = try await database.read { db in try NotificationStore.list(subjectId: subject, db: db) }
            return HTTPServer.jsonResponse(.ok, Page(items: items))
        }
    }
}
