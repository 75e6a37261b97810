import Foundation
import Hummingbird
import MinshengPlatform

/// Accounts, for supervisors.
///
/// - `GET /api/accounts`
/// - `POST /api/accounts` `{"accountId","name","role","unitId"?,"password"}`
/// - `PUT /api/accounts/{id}` `{"name","role","unitId"?,"disabled"}`
/// - `POST /api/accounts/{id}/password` `{"password"}`: a new password (the person's sessions end)
struct AccountController: Sendable {
    let app: ConsoleApp

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/api/accounts") { request, _ in
            await ConsoleAPI.respond(request, app, access: .supervisor, changes: false) { _ in
                ConsoleAPI.json(["items": try await app.accounts.all()])
            }
        }
        router.post("/api/accounts") { request, _ in
            await ConsoleAPI.respond(request, app, access: .supervisor, changes: true) { session in
                let body = try await ConsoleAPI.jsonObject(request)
                let account = try Self.account(body, id: try ConsoleAPI.string(body, "accountId", required: true, maximum: 100)!)
                let password = try ConsoleAPI.string(body, "password", required: true, maximum: 200)!
                try await app.accounts.create(account, password: password, units: app.configuration.units, now: app.now())
                app.logger.notice("Account created", metadata: ["account.id": "\(account.accountId)", "by": "\(session.account.accountId)"])
                return ConsoleAPI.json(account, status: .created)
            }
        }
        router.put("/api/accounts/:id") { request, context in
            await ConsoleAPI.respond(request, app, access: .supervisor, changes: true) { session in
                let id = context.parameters.get("id") ?? ""
                let body = try await ConsoleAPI.jsonObject(request)
                var account = try Self.account(body, id: id)
                account.disabled = (body["disabled"] as? Bool) ?? false
                if id == session.account.accountId && (account.disabled || account.role != .supervisor) {
                    throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "不能停用自己或取消自己的领导角色", field: "role")
                }
                try await app.accounts.update(account, units: app.configuration.units, now: app.now())
                app.logger.notice("Account changed", metadata: ["account.id": "\(id)", "by": "\(session.account.accountId)"])
                return ConsoleAPI.json(account)
            }
        }
        router.post("/api/accounts/:id/password") { request, context in
            await ConsoleAPI.respond(request, app, access: .supervisor, changes: true) { session in
                let id = context.parameters.get("id") ?? ""
                let body = try await ConsoleAPI.jsonObject(request)
                let password = try ConsoleAPI.string(body, "password", required: true, maximum: 200)!
                try await app.accounts.setPassword(id, to: password, now: app.now())
                app.logger.notice("Password reset", metadata: ["account.id": "\(id)", "by": "\(session.account.accountId)"])
                return ConsoleAPI.json(["status": "changed"])
            }
        }
    }

    static func account(_ body: [String: Any], id: String) throws -> Account {
        let roleText = try ConsoleAPI.string(body, "role", required: true, maximum: 20)!
        guard let role = Role(rawValue: roleText) else {
            throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "角色应为 staff、supervisor、unit 或 viewer", field: "role")
        }
        return Account(accountId: id, name: try ConsoleAPI.string(body, "name", required: true, maximum: 40)!, role: role,
                       unitId: try ConsoleAPI.string(body, "unitId", maximum: 100), disabled: false)
    }
}
