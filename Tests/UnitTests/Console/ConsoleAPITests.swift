import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengConsole
@testable import MinshengDispatch

/// The API behind the pages: logging in (HttpOnly, SameSite=Strict cookie; lockout), CSRF and origin
/// checks, what each role sees and may do, actions that reach a real dispatch (served over HTTP) with
/// the person named, the cockpit's figures, the pages' headers, and accounts.
@Suite("Console API")
struct ConsoleAPITests {
    let console = try! ConsoleFixture()
    let dispatch = try! DispatchFixture()

    static let passwords = ["zhang.wei": "demo-zhangwei-2026", "wang.fang": "demo-wangfang-2026", "li.na": "demo-lina-2026",
                            "zhao.lei": "demo-zhaolei-2026", "chen.jing": "demo-chenjing-2026"]

    /// The console's app over the fixture's read model, acting through dispatch at `dispatchPort`.
    func consoleApp(dispatchPort: Int = 9) async throws -> ConsoleApp {
        let accounts = AccountStore(database: console.database.writer, hasher: PasswordHasher(log2N: 10))
        try await AccountSeed.apply(directory: TestSupport.configDirectory, store: accounts, units: console.configuration.units,
                                    demoMode: true, logger: console.logger, now: Date())
        let token = DemoToken.caller("console")
        let settings = try ConsoleSettings.load(environment: [
            "MINSHENG_DISPATCH_URL": "http://127.0.0.1:\(dispatchPort)", "MINSHENG_DISPATCH_TOKEN": token,
        ])
        let clock = dispatch.clock
        return ConsoleApp(
            configuration: console.configuration, settings: settings, database: console.database.writer, accounts: accounts,
            sessions: SessionStore(database: console.database.writer, lifetime: settings.sessionLifetime), feed: console.feed,
            operations: OperationsBoard(groups: ["minsheng-dispatch"], services: ["dispatch"]),
            dispatch: DispatchClient(baseURL: settings.dispatchURL, token: settings.dispatchToken), logger: console.logger,
            now: { clock.now() })
    }

    func application(_ app: ConsoleApp) throws -> some ApplicationProtocol {
        let router = HTTPServer.makeRouter(readiness: Readiness())
        ConsoleService.addRoutes(app, pages: try PagesController.load(directory: ConsoleService.webDirectory), to: router)
        return Application(router: router)
    }

    /// Dispatch's real API, served on a free port while `body` runs.
    func withDispatch(_ body: @Sendable (Int) async throws -> Void) async throws {
        let router = HTTPServer.makeRouter(readiness: Readiness())
        WorkOrderController(database: dispatch.database.writer, configuration: dispatch.store, clock: dispatch.clock, onCommit: {},
                            access: dispatch.access)
            .addRoutes(to: router)
        HotspotTaskController(database: dispatch.database.writer, configuration: dispatch.store, clock: dispatch.clock,
                              access: dispatch.access, onCommit: {})
            .addRoutes(to: router)
        try await Application(router: router).test(.live) { client in try await body(try #require(client.port)) }
    }

    /// A logged-in page: its cookie and CSRF token.
    struct Login {
        var cookie: String
        var csrf: String
        func headers(csrf withToken: Bool = true, origin: String? = nil) -> HTTPFields {
            var fields: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            if withToken { fields[ConsoleAPI.csrfHeader] = csrf }
            if let origin { fields[.origin] = origin }
            return fields
        }
    }

    func login(_ client: some TestClientProtocol, _ account: String) async throws -> Login {
        let response = try await client.execute(
            uri: "/api/session", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"accountId":"\#(account)","password":"\#(Self.passwords[account]!)"}"#))
        try #require(response.status == .ok, "login of \(account): \(response.status)")
        let setCookie = try #require(response.headers[.setCookie])
        let body = try json(response)
        return Login(cookie: String(setCookie.split(separator: ";")[0]), csrf: try #require(body["csrfToken"] as? String))
    }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    func heldEvent(_ text: String = "地下车库渗水") -> ClassifiedEvent {
        var accepted = TestSupport.accepted(text)
        accepted.reporter = Reporter(name: "陈阿姨", phone: "13900000003")
        return ClassifiedEvent(accepted: accepted, category: .other, level: .normal, police: false, shuangfei: false,
                               town: "当湖街道", village: nil, grid: nil, confidence: 0.3, explanation: "x", needsReview: true,
                               classifiedAt: dispatch.clock.now())
    }

    @Test func loggingInSetsAStrictHttpOnlyCookieAndWrongPasswordsLockTheAccount() async throws {
        try await application(try await consoleApp()).test(.router) { client in
            let wrong = ByteBuffer(string: #"{"accountId":"zhang.wei","password":"guess-guess-guess"}"#)
            var response = try await client.execute(uri: "/api/session", method: .post, headers: [.contentType: "application/json"], body: wrong)
            #expect(response.status == .unauthorized)
            #expect(try json(response)["message"] as? String == "账号或密码不正确")
            response = try await client.execute(uri: "/api/session", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"accountId":"nobody","password":"guess-guess-guess"}"#))
            #expect(try json(response)["message"] as? String == "账号或密码不正确")  // the same: no telling who exists

            response = try await client.execute(
                uri: "/api/session", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"accountId":"zhang.wei","password":"demo-zhangwei-2026"}"#))
            #expect(response.status == .ok)
            let cookie = try #require(response.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] { #expect(cookie.contains(attribute), "\(attribute)") }
            #expect(!cookie.contains("Secure"))
            let body = String(buffer: response.body)
            #expect(!body.contains("scrypt"))
            #expect(try json(response)["actingUnitId"] as? String == "centre")

            for _ in 0..<AccountStore.maximumFailures {
                _ = try await client.execute(uri: "/api/session", method: .post, headers: [.contentType: "application/json"], body: wrong)
            }
            response = try await client.execute(
                uri: "/api/session", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"accountId":"zhang.wei","password":"demo-zhangwei-2026"}"#))
            #expect(response.status == .tooManyRequests)
        }
        // Five minutes later the right password works again.
        dispatch.clock.advance(by: AccountStore.lockout + 1)
        try await application(try await consoleApp()).test(.router) { client in
            _ = try await login(client, "zhang.wei")
        }
    }

    @Test func changesNeedTheSessionsCSRFTokenAndTheSameOrigin() async throws {
        try await application(try await consoleApp()).test(.router) { client in
            let staff = try await login(client, "zhang.wei")
            let path = "/api/orders/WO20261123-000001/sign"
            var response = try await client.execute(uri: path, method: .post, headers: staff.headers(csrf: false))
            #expect(response.status == .forbidden)
            var forged = staff.headers()
            forged[ConsoleAPI.csrfHeader] = String(staff.csrf.reversed())
            response = try await client.execute(uri: path, method: .post, headers: forged)
            #expect(response.status == .forbidden)
            response = try await client.execute(uri: path, method: .post, headers: staff.headers(origin: "http://evil.example"))
            #expect(response.status == .forbidden)
            response = try await client.execute(uri: "/api/session", method: .post,
                                                headers: [.contentType: "application/json", .origin: "http://evil.example"],
                                                body: ByteBuffer(string: #"{"accountId":"zhang.wei","password":"demo-zhangwei-2026"}"#))
            #expect(response.status == .forbidden)
            // Without a cookie nothing is served but the pages and the login.
            #expect(try await client.execute(uri: "/api/cockpit", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/stream", method: .get).status == .unauthorized)
            // Logging out ends the session.
            response = try await client.execute(uri: "/api/session", method: .delete, headers: staff.headers())
            #expect(response.status == .ok)
            #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.execute(uri: "/api/session", method: .get, headers: staff.headers()).status == .unauthorized)
        }
    }

    @Test func eachRoleSeesAndDoesWhatItMay() async throws {
        let theirs = try dispatch.dispatch(dispatch.classified("占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        let others = try dispatch.dispatch(dispatch.classified("乱收费", category: .market, level: .normal, town: nil))
        try console.apply(try dispatch.updates())
        try await application(try await consoleApp()).test(.router) { client in
            let viewer = try await login(client, "chen.jing")
            #expect(try await client.execute(uri: "/api/cockpit", method: .get, headers: viewer.headers()).status == .ok)
            #expect(try await client.execute(uri: "/api/orders/\(theirs.workOrderId)/sign", method: .post, headers: viewer.headers()).status == .forbidden)
            let found = try json(try await client.execute(uri: "/api/search?q=13800000000", method: .get, headers: viewer.headers()))
            let items = try #require(found["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.allSatisfy { $0["reporterPhone"] as? String == "138****0000" })
            #expect(try await client.execute(uri: "/api/accounts", method: .get, headers: viewer.headers()).status == .forbidden)

            let unit = try await login(client, "li.na")  // danghu-team
            #expect(try await client.execute(uri: "/api/cockpit", method: .get, headers: unit.headers()).status == .forbidden)
            #expect(try await client.execute(uri: "/api/triage", method: .get, headers: unit.headers()).status == .forbidden)
            #expect(try await client.execute(uri: "/api/orders/\(others.workOrderId)", method: .get, headers: unit.headers()).status == .notFound)
            let own = try await client.execute(uri: "/api/orders/\(theirs.workOrderId)", method: .get, headers: unit.headers())
            #expect(own.status == .ok)
            #expect(String(buffer: own.body).contains("13800000000"))
            let bench = try json(try await client.execute(uri: "/api/workbench?unit=city-market", method: .get, headers: unit.headers()))
            #expect(bench["unitId"] as? String == "danghu-team")  // a handler's workbench is their own unit's
            #expect((bench["open"] as? [[String: Any]])?.map { $0["workOrderId"] as? String } == [theirs.workOrderId])
            #expect(try await client.execute(uri: "/api/orders/\(theirs.workOrderId)/release", method: .post, headers: unit.headers()).status == .forbidden)

            let staff = try await login(client, "zhang.wei")
            #expect(try await client.execute(uri: "/api/accounts", method: .get, headers: staff.headers()).status == .forbidden)
            let supervisor = try await login(client, "wang.fang")
            #expect(try await client.execute(uri: "/api/accounts", method: .get, headers: supervisor.headers()).status == .ok)
        }
    }

    @Test func actionsReachDispatchWithThePersonAndItsRefusalsComeBack() async throws {
        let held = try dispatch.dispatch(heldEvent())
        let market = try dispatch.dispatch(dispatch.classified("乱收费", category: .market, level: .normal, town: "当湖街道"))
        try await withDispatch { port in
            try await application(try await consoleApp(dispatchPort: port)).test(.router) { client in
                let staff = try await login(client, "zhang.wei")
                var response = try await client.execute(
                    uri: "/api/orders/\(held.workOrderId)/release", method: .post, headers: staff.headers(),
                    body: ByteBuffer(string: #"{"category":"housing","level":"normal","town":"当湖街道","village":"东湖社区","ignored":"x"}"#))
                #expect(response.status == .ok)
                #expect(try json(response)["status"] as? String == "dispatched")
                // Released once: dispatch refuses a second time, and says why.
                response = try await client.execute(uri: "/api/orders/\(held.workOrderId)/release", method: .post, headers: staff.headers(),
                                                    body: ByteBuffer(string: "{}"))
                #expect(response.status == .conflict)
                #expect((try json(response)["message"] as? String)?.contains("cannot release a work order that is dispatched") == true)
                // A unit's handler signs for their unit through the console.
                let handler = try await login(client, "zhao.lei")  // city-urban: not the market order's unit
                response = try await client.execute(uri: "/api/orders/\(market.workOrderId)/sign", method: .post, headers: handler.headers())
                #expect(response.status == .notFound)  // another unit's order, as dispatch answers it
                response = try await client.execute(uri: "/api/orders/\(market.workOrderId)/nonsense", method: .post, headers: staff.headers())
                #expect(response.status == .notFound)
            }
        }
        let released = try dispatch.order(held.workOrderId)
        #expect(released.category == .housing)
        #expect(released.village == "东湖社区")
        let entry = try #require(released.timeline.last)
        #expect(entry.actor == "centre")
        #expect(entry.person == ActingPerson(id: "zhang.wei", name: "张伟"))
        #expect(try dispatch.order(market.workOrderId).status == .dispatched)
    }

    @Test func aHotspotBecomesATaskThroughDispatch() async throws {
        let now = dispatch.clock.now()
        let alert = HotspotAlert(alertId: "hs-11111111-2222-3333-4444-555555555555", eventId: "ev-x", town: "当湖街道", village: nil,
                                 category: .market, theme: ["停车", "小票"], eventIds: ["ev-x", "ev-y", "ev-z"], sources: [.web, .hotline12345],
                                 reporterCount: 3, firstReportedAt: now, lastReportedAt: now, windowHours: 24, detectedAt: now)
        try console.apply(alert, topic: Topics.hotspotAlerts, key: alert.alertId)
        try await withDispatch { port in
            try await application(try await consoleApp(dispatchPort: port)).test(.router) { client in
                let staff = try await login(client, "zhang.wei")
                let response = try await client.execute(
                    uri: "/api/hotspots/\(alert.alertId)/task", method: .post, headers: staff.headers(),
                    body: ByteBuffer(string: #"{"unitId":"danghu-team","coUnitIds":["city-market"],"followUpDays":10}"#))
                #expect(response.status == .created)
                let order = try json(response)
                #expect(order["hotspotAlertId"] as? String == alert.alertId)
                #expect(order["source"] as? String == "web")
                #expect((order["text"] as? String)?.contains("停车、小票") == true)
            }
        }
        let task = try #require(try console.row("SELECT * FROM hotspot_task WHERE alert_id = ?", [alert.alertId]))
        #expect(task["follow_up_days"] as Int == 10)
        #expect(task["created_by"] as String == "zhang.wei")
        let updates = try dispatch.updates()
        #expect(updates.last?.hotspotAlertId == alert.alertId)
        #expect(updates.last?.person?.id == "zhang.wei")
    }

    @Test func theCockpitShowsTheReadModelsFiguresAndThePagesAreLockedDown() async throws {
        _ = try dispatch.dispatch(dispatch.classified("乱收费", category: .market, level: .normal, town: "当湖街道"))
        _ = try dispatch.dispatch(heldEvent())
        try console.apply(try dispatch.updates())
        try await application(try await consoleApp()).test(.router) { client in
            let staff = try await login(client, "zhang.wei")
            let response = try await client.execute(uri: "/api/cockpit?period=today", method: .get, headers: staff.headers())
            #expect(response.status == .ok)
            let board = try json(response)
            let figures = try #require(board["figures"] as? [String: Any])
            let period = Period.day(containing: dispatch.clock.now(), calendar: console.configuration.calendar)
            let expected = try TestSupport.jsonObject(try console.figures(from: period.from, to: period.to, now: dispatch.clock.now()))
            #expect(NSDictionary(dictionary: figures) == expected)
            #expect(figures["total"] as? Int == 2)
            #expect((board["waiting"] as? [String: Any])?["held"] as? Int == 1)
            #expect((board["towns"] as? [[String: Any]])?.first { $0["town"] as? String == "当湖街道" }?["open"] as? Int == 2)
            #expect(try await client.execute(uri: "/api/cockpit?period=year", method: .get, headers: staff.headers()).status == .badRequest)
            let map = try json(try await client.execute(uri: "/api/map", method: .get, headers: staff.headers()))
            #expect((map["towns"] as? [Any])?.count == console.configuration.region.towns.count)

            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(String(buffer: page.body).contains("/assets/app.js"))
            #expect(!String(buffer: page.body).contains("http://") && !String(buffer: page.body).contains("https://"))
            #expect(try await client.execute(uri: "/assets/app.js", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/assets/nothing.js", method: .get).status == .notFound)
            let csv = try await client.execute(uri: "/api/evaluation.csv?by=town", method: .get, headers: staff.headers())
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(String(buffer: csv.body).hasPrefix("\u{FEFF}镇街,排名"))
        }
    }

    @Test func supervisorsManageAccounts() async throws {
        try await application(try await consoleApp()).test(.router) { client in
            let supervisor = try await login(client, "wang.fang")
            var response = try await client.execute(uri: "/api/accounts", method: .post, headers: supervisor.headers(),
                                                    body: ByteBuffer(string: #"{"accountId":"sun.li","name":"孙丽","role":"unit","password":"long-enough-1"}"#))
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "unitId")
            response = try await client.execute(uri: "/api/accounts", method: .post, headers: supervisor.headers(),
                                                body: ByteBuffer(string: #"{"accountId":"sun.li","name":"孙丽","role":"unit","unitId":"city-market","password":"short"}"#))
            #expect(try json(response)["field"] as? String == "password")
            response = try await client.execute(uri: "/api/accounts", method: .post, headers: supervisor.headers(),
                                                body: ByteBuffer(string: #"{"accountId":"sun.li","name":"孙丽","role":"unit","unitId":"city-market","password":"long-enough-1"}"#))
            #expect(response.status == .created)
            let login = try await client.execute(uri: "/api/session", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"accountId":"sun.li","password":"long-enough-1"}"#))
            #expect(login.status == .ok)
            let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
            // Disabled: the session ends and the password no longer works.
            response = try await client.execute(uri: "/api/accounts/sun.li", method: .put, headers: supervisor.headers(),
                                                body: ByteBuffer(string: #"{"name":"孙丽","role":"unit","unitId":"city-market","disabled":true}"#))
            #expect(response.status == .ok)
            #expect(try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: cookie]).status == .unauthorized)
            response = try await client.execute(uri: "/api/accounts/wang.fang", method: .put, headers: supervisor.headers(),
                                                body: ByteBuffer(string: #"{"name":"王芳","role":"staff"}"#))
            #expect(response.status == .badRequest)  // not one's own role
        }
        let stored = try #require(try console.row("SELECT password_hash FROM account WHERE account_id = 'sun.li'"))
        #expect((stored["password_hash"] as String).hasPrefix("scrypt$10$8$1$"))
    }
}
