import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// Dispatch's API (docs/security.md): demo tokens only in demo mode, failed authentications logged
/// without the token and limited per client address, and no answer that tells of another unit's order.
@Suite("Security: dispatch API")
struct DispatchSecurityTests {
    let fixture = try! DispatchFixture()
    let logs = CapturedLogs()

    func application(_ access: APIAccess) -> some ApplicationProtocol {
        let router = Router(context: HTTPServer.Context.self)
        WorkOrderController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock, onCommit: {},
                            access: access).addRoutes(to: router)
        StatsController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock, access: access)
            .addRoutes(to: router)
        return Application(router: router, logger: logs.logger())
    }

    func get(_ client: some TestClientProtocol, _ uri: String, token: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
    }

    @Test func demoTokensDoNotWorkOutsideDemoMode() async throws {
        try await application(APIAccess(demoMode: false)).test(.router) { client async throws in
            #expect(try await get(client, "/v1/workorders", token: fixture.token("centre")).status == .unauthorized)
        }
        #expect(logs.all.contains { $0.metadata["auth.failure"] == "demo_token_refused" })
        #expect(!logs.text.contains(fixture.token("centre")))
    }

    @Test func repeatedFailuresFromOneAddressAreRefusedFor429() async throws {
        let access = APIAccess(demoMode: true, failures: FailedAuthentications(service: .dispatch, limit: .init(perSecond: 0.01, burst: 5)))
        try await application(access).test(.router) { client in
            for attempt in 0..<5 {
                #expect(try await get(client, "/v1/workorders", token: "guess-\(attempt)-0123456789abcdef0123456789").status == .unauthorized)
            }
            let locked = try await get(client, "/v1/workorders", token: fixture.token("centre"))
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter].flatMap(Int.init).map { $0 >= 1 } == true)
        }
        let failures = logs.all.filter { $0.message == "Authentication failed" }
        #expect(failures.count == 5)
        #expect(failures.allSatisfy { $0.metadata["http.client"] == "unknown" && $0.metadata["http.path"] == "/v1/workorders" })
        #expect(!logs.text.contains("guess-"))
    }

    @Test func anotherUnitsOrderLooksLikeNoOrder() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        try await application(fixture.access).test(.router) { client in
            let theirs = try await get(client, "/v1/workorders/\(order.workOrderId)", token: fixture.token("danghu-team"))
            let missing = try await get(client, "/v1/workorders/WO20990101-000001", token: fixture.token("danghu-team"))
            #expect(theirs.status == .notFound && missing.status == .notFound)
            let body = String(buffer: theirs.body)
            #expect(!body.contains("city-market") && !body.contains("led by"))
            for action in ["sign", "on-site", "resolve", "return", "progress"] {
                let response = try await client.execute(
                    uri: "/v1/workorders/\(order.workOrderId)/\(action)", method: .post,
                    headers: [.authorization: "Bearer \(fixture.token("danghu-team"))", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"note":"x","result":"x","reason":"x"}"#))
                #expect(response.status == .notFound, "\(action)")
                #expect(!String(buffer: response.body).contains("city-market"))
            }
        }
        #expect(try fixture.order(order.workOrderId).status == .dispatched)
    }
}
