import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengIntake

/// Intake's HTTP window (docs/security.md): only known senders, each to its own sources, at a bounded
/// rate; failed authentications logged without the token and limited per client address.
@Suite("Security: intake senders")
struct IntakeSecurityTests {
    let database = try! ServiceDatabase.inMemory(migrations: IntakeMigrations.register)
    let logs = CapturedLogs()

    func senders(perSecond: Double = 20, burst: Double = 100) throws -> SenderDirectory {
        var senders = try SenderDirectory.load(directory: TestSupport.configDirectory)
        senders.rateLimit = .init(perSecond: perSecond, burst: burst)
        return senders
    }

    func application(demoMode: Bool = true, senders: SenderDirectory? = nil,
                     failures: FailedAuthentications = FailedAuthentications(service: .intake)) throws -> some ApplicationProtocol {
        let router = Router(context: HTTPServer.Context.self)
        let gate = SenderGate(senders: try senders ?? self.senders(), demoMode: demoMode, failures: failures)
        EventController(desk: IntakeDesk(logger: logs.logger()), database: database.writer, gate: gate, waiters: ReplyWaiters<IntakeDecision>(),
                        instanceId: "test", decisionWait: .milliseconds(20), onCommit: {})
            .addRoutes(to: router)
        return Application(router: router, logger: logs.logger())
    }

    static func event(_ id: String) -> ByteBuffer {
        ByteBuffer(string: #"{"id":"\#(id)","occurredAt":"2026-11-23T09:41:00+08:00","text":"路灯不亮","reporter":{"phone":"13800000000"}}"#)
    }

    func post(_ client: some TestClientProtocol, _ source: String, token: String?, id: String = UUID().uuidString) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/v1/events/\(source)", method: .post, headers: headers, body: Self.event(id))
    }

    /// Events taken in: the requests handed on to their owners (the window decides nothing itself).
    func storedEvents() throws -> Int {
        try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE topic = 'intake.requests'") ?? 0 }
    }

    @Test func withoutAKnownTokenNothingIsCreated() async throws {
        try await application().test(.router) { client in
            for token in [nil, "not-a-token", DemoToken.unit("centre"), DemoToken.sender("police110") + "0"] {
                let response = try await post(client, "police110", token: token)
                #expect(response.status == .unauthorized, "\(token ?? "no token")")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
        }
        #expect(try storedEvents() == 0)
        // Logged with the address and the reason, never the token.
        let failures = logs.all.filter { $0.message == "Authentication failed" }
        #expect(failures.count == 4)
        #expect(failures.allSatisfy { $0.metadata["http.client"] != nil && $0.metadata["auth.failure"] != nil })
        #expect(!logs.text.contains(DemoToken.sender("police110")))
        #expect(!logs.text.contains("not-a-token"))
    }

    @Test func aSenderPostsOnlyToItsOwnSource() async throws {
        try await application().test(.router) { client in
            // The hotline cannot pose as the 110 system (whose events go back on police110.returns).
            var response = try await post(client, "police110", token: DemoToken.sender("hotline12345"))
            #expect(response.status == .forbidden)
            #expect(String(buffer: response.body).contains("hotline12345"))
            response = try await post(client, "walkin", token: DemoToken.sender("police110"))
            #expect(response.status == .forbidden)
            #expect(try storedEvents() == 0)
            response = try await post(client, "police110", token: DemoToken.sender("police110"))
            #expect(response.status == .accepted)
            response = try await post(client, "walkin", token: DemoToken.sender("service-stations"))
            #expect(response.status == .accepted)
        }
        let origins = try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = 'intake.requests'").map {
                try MessageCoding.decode(IntakeRequest.self, from: Array($0["payload"] as Data)).origin
            }.sorted()
        }
        #expect(origins == ["http:police110", "http:service-stations"])
    }

    @Test func demoTokensAreRefusedOutsideDemoMode() async throws {
        try await application(demoMode: false).test(.router) { client async throws in
            #expect(try await post(client, "hotline12345", token: DemoToken.sender("hotline12345")).status == .unauthorized)
        }
        #expect(logs.all.contains { $0.metadata["auth.failure"] == "demo_token_refused" })
        // A real token works outside demo mode.
        let token = TokenHash.newToken()
        var changed = try senders()
        changed.senders[0].tokenHash = TokenHash.make(token: token)
        let source = changed.senders[0].sources.first!.rawValue
        try await application(demoMode: false, senders: changed).test(.router) { client async throws in
            #expect(try await post(client, source, token: token).status == .accepted)
        }
    }

    @Test func eachSenderIsRateLimited() async throws {
        try await application(senders: try senders(perSecond: 0.01, burst: 3)).test(.router) { client in
            for _ in 0..<3 {
                #expect(try await post(client, "hotline12345", token: DemoToken.sender("hotline12345")).status == .accepted)
            }
            let refused = try await post(client, "hotline12345", token: DemoToken.sender("hotline12345"))
            #expect(refused.status == .tooManyRequests)
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter >= 1 && retryAfter <= 100)
            // Another sender has its own bucket.
            #expect(try await post(client, "web", token: DemoToken.sender("web-monitor")).status == .accepted)
        }
        #expect(try storedEvents() == 4)
    }

    @Test func repeatedFailuresLockTheAddressOut() async throws {
        let failures = FailedAuthentications(service: .intake, limit: .init(perSecond: 0.01, burst: 3))
        try await application(failures: failures).test(.router) { client in
            for _ in 0..<3 { #expect(try await post(client, "web", token: "wrong-token-\(UUID())").status == .unauthorized) }
            // Locked out now: even the right token waits.
            let locked = try await post(client, "web", token: DemoToken.sender("web-monitor"))
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] != nil)
        }
        #expect(try storedEvents() == 0)
    }

    @Test func theSendersFileIsChecked() throws {
        let file = try JSONDecoder().decode(SenderDirectory.File.self, from: Data("""
            {"rateLimit": {"perSecond": 0, "burst": 1}, "senders": [
              {"id": "a", "name": "A", "sources": ["police110", "moon"], "tokenHash": "plain-token-0123456789012345678901234"},
              {"id": "a", "name": "B", "sources": [], "tokenHash": "\(TokenHash.make(token: TokenHash.newToken()))"}
            ]}
            """.utf8))
        guard case .failure(let error) = SenderDirectory.build(file) else { Issue.record("accepted"); return }
        for expected in ["rateLimit: perSecond", "senders[0].sources: moon is not a source", "senders[0].tokenHash must be hmac-sha256",
                         "senders[1].id a appears twice", "senders[1].sources must name at least one source"] {
            #expect(error.description.contains(expected), "\(expected) in \(error)")
        }
    }
}
