import Foundation
import GRDB
import Hummingbird
import MinshengPlatform

/// `GET /v1/notifications?workOrder=…` (or `?alert=…`): every notification about a work order or a
/// hotspot alert, with its attempts, for the command centre only (`Authorization: Bearer <centre's
/// token>`). Citizens' phones and names are masked (docs/security.md).
struct NotificationController: Sendable {
    let database: any DatabaseWriter
    let credentials: CentreCredentials
    let demoMode: Bool
    var failures = FailedAuthentications(service: .notification)

    struct Page: Codable, Sendable {
        var items: [NotificationView]
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/v1/notifications") { request, context in
            try await list(request, context: context)
        }
    }

    func list(_ request: Request, context: HTTPServer.Context) async throws -> Response {
        if let wait = failures.lockedOut(context.clientAddress) {
            return FailedAuthentications.tooManyResponse(retryAfter: wait, message: "too many failed authentications; retry later")
        }
        let holders = credentials.hashes.map { (holder: $0.unitId, hash: $0.hash) }
        if case .failure(let failure) = BearerAuthentication.holder(
            authorization: request.headers[.authorization], among: holders, demoMode: demoMode) {
            failures.record(failure, address: context.clientAddress, path: request.uri.path, logger: context.logger)
            return FailedAuthentications.unauthorizedResponse(
                realm: "minsheng-notification", message: "send Authorization: Bearer <the command centre's API token>")
        }
        let query = request.uri.queryParameters
        guard let subject = (query["workOrder"] ?? query["alert"]).map(String.init), !subject.isEmpty else {
            return HTTPServer.errorResponse(.badRequest, code: "missing_field", message: "workOrder (or alert) is required",
                                            field: "workOrder")
        }
        let items = try await database.read { db in try NotificationStore.list(subjectId: subject, db: db) }
        return HTTPServer.jsonResponse(.ok, Page(items: items))
    }
}
