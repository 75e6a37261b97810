import Foundation
import Hummingbird
import MinshengModel
import MinshengPlatform

/// Logging in and out, who is logged in (with what the pages need to know: units, towns), and changing
/// one's own password.
///
/// - `POST /api/session` `{"accountId","password"}`: sets the session cookie (HttpOnly, SameSite=Strict)
/// - `GET /api/session`: the account, its CSRF token, the units and towns
/// - `DELETE /api/session`
/// - `POST /api/session/password` `{"current","password"}`
struct SessionController: Sendable {
    let app: ConsoleApp

    struct Me: Encodable {
        struct Unit: Encodable {
            var id: String
            var name: String
            var tier: String
            var town: String?
        }
        struct Town: Encodable {
            var name: String
            var villages: [String]
        }
        var account: Account
        var roleName: String
        var csrfToken: String
        var actingUnitId: String?
        var units: [Unit]
        var towns: [Town]
        var regionName: String
        /// The centre's offset from UTC: the pages show times as the centre reads them, wherever the browser is.
        var utcOffsetMinutes: Int
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.post("/api/session") { request, _ in await login(request) }
        router.get("/api/session") { request, _ in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: false) { session in
                ConsoleAPI.json(me(session))
            }
        }
        router.delete("/api/session") { request, _ in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: true) { session in
                try await app.sessions.close(tokenHash: session.tokenHash)
                var response = ConsoleAPI.json(["status": "logged_out"])
                response.headers[.setCookie] = cookie(value: "", maxAge: 0)
                return response
            }
        }
        router.post("/api/session/password") { request, _ in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: true) { session in
                let body = try await ConsoleAPI.jsonObject(request)
                let current = try ConsoleAPI.string(body, "current", required: true, maximum: 200)!
                let password = try ConsoleAPI.string(body, "password", required: true, maximum: 200)!
                guard case .success = try await app.accounts.login(session.account.accountId, password: current, now: app.now()) else {
                    throw ConsoleAPI.Refusal.badRequest(code: "wrong_password", message: "当前密码不正确", field: "current")
                }
                try await app.accounts.setPassword(session.account.accountId, to: password, keepingSession: session.tokenHash, now: app.now())
                return ConsoleAPI.json(["status": "changed"])
            }
        }
    }

    private func login(_ request: Request) async -> Response {
        do {
            try ConsoleAPI.checkOrigin(request)
            let body = try await ConsoleAPI.jsonObject(request)
            let id = try ConsoleAPI.string(body, "accountId", required: true, maximum: 100)!
            let password = (body["password"] as? String) ?? ""
            switch try await app.accounts.login(id, password: password, now: app.now()) {
            case .success(let account):
                let (token, session) = try await app.sessions.open(for: account, now: app.now())
                app.logger.info("Logged in", metadata: ["account.id": "\(account.accountId)", "account.role": "\(account.role.rawValue)"])
                var response = ConsoleAPI.json(me(session))
                response.headers[.setCookie] = cookie(value: token, maxAge: Int(app.settings.sessionLifetime))
                return response
            case .wrongCredentials:
                app.logger.notice("Login refused", metadata: ["account.id": "\(id)"])
                return HTTPServer.errorResponse(.unauthorized, code: "wrong_credentials", message: "账号或密码不正确")
            case .locked(let until):
                return HTTPServer.errorResponse(.tooManyRequests, code: "locked",
                                                message: "密码错误次数过多，账号锁定至 \(ChineseTime.text(until, offset: app.configuration.utcOffset))")
            }
        } catch {
            return ConsoleAPI.response(for: error, request: request, logger: app.logger)
        }
    }

    /// `ms_session=…; Path=/; HttpOnly; SameSite=Strict; Max-Age=…` (and `Secure` behind HTTPS).
    private func cookie(value: String, maxAge: Int) -> String {
        "\(ConsoleAPI.sessionCookie)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)"
            + (app.settings.secureCookies ? "; Secure" : "")
    }

    private func me(_ session: SessionStore.Session) -> Me {
        Me(account: session.account, roleName: session.account.role.chineseName, csrfToken: session.csrfToken,
           actingUnitId: app.actingUnit(of: session.account),
           units: app.configuration.units.units.map { Me.Unit(id: $0.id, name: $0.name, tier: $0.tier.rawValue, town: $0.town) },
           towns: app.configuration.region.towns.map { Me.Town(name: $0.name, villages: $0.villages.map(\.name)) },
           regionName: app.configuration.region.name, utcOffsetMinutes: Int(app.configuration.utcOffset / 60))
    }
}

/// Times as the centre reads them: `2026-11-23 09:41` in its time zone.
enum ChineseTime {
    static func text(_ date: Date, offset: TimeInterval) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: Int(offset))!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }
}
