import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// A trusted caller (callers.json: the console) over the HTTP API: it must name the unit it acts for and
/// the person, gets that unit's rights, and the person is recorded; nobody else may name either. The
/// review and hotspot routes answer with their status codes.
@Suite("Dispatch API: trusted callers and the centre's review")
struct TrustedCallerAPITests {
    let fixture = try! DispatchFixture()

    var consoleToken: String { DemoToken.caller("console") }

    func application() -> some ApplicationProtocol {
        let router = HTTPServer.makeRouter(readiness: Readiness())
        WorkOrderController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock, onCommit: {},
                            access: fixture.access)
            .addRoutes(to: router)
        HotspotTaskController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock,
                              access: fixture.access, onCommit: {})
            .addRoutes(to: router)
        return Application(router: router)
    }

    func headers(token: String, actAs: String? = nil, person: String? = nil, name: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token)"]
        if let actAs { fields[TrustedCallerHeaders.actAs] = actAs }
        if let person { fields[TrustedCallerHeaders.person] = person }
        if let name { fields[TrustedCallerHeaders.personName] = name }
        return fields
    }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    func heldOrder() throws -> WorkOrder {
        var accepted = TestSupport.accepted("高龄补贴怎么申领", requestType: .consult)
        accepted.reporter = Reporter(name: "陈阿姨", phone: "13900000003")
        let event = ClassifiedEvent(accepted: accepted, category: .socialSecurity, level: .low, police: false, shuangfei: false,
                                    town: "当湖街道", village: nil, grid: nil, confidence: 0.9, explanation: "test",
                                    classifiedAt: fixture.clock.now())
        return try fixture.dispatch(event)
    }

    @Test func aTrustedCallerMustNameTheUnitAndThePerson() async throws {
        let order = try heldOrder()
        let path = "/v1/workorders/\(order.workOrderId)/release"
        try await application().test(.router) { client in
            var response = try await client.execute(uri: path, method: .post, headers: headers(token: consoleToken), body: ByteBuffer(string: "{}"))
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "X-Minsheng-Act-As")
            response = try await client.execute(uri: path, method: .post, headers: headers(token: consoleToken, actAs: "centre"),
                                                body: ByteBuffer(string: "{}"))
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "X-Minsheng-Person")
            response = try await client.execute(uri: path, method: .post, headers: headers(token: consoleToken, actAs: "no-such-unit", person: "zhang.wei"),
                                                body: ByteBuffer(string: "{}"))
            #expect(response.status == .badRequest)
            #expect(try json(response)["message"] as? String == "X-Minsheng-Act-As: no-such-unit is not a unit in units.json")
            #expect(try fixture.order(order.workOrderId).status == .held)

            // Named: the release goes through, and the person (name percent-encoded) is on the timeline.
            response = try await client.execute(
                uri: path, method: .post,
                headers: headers(token: consoleToken, actAs: "centre", person: "zhang.wei", name: "%E5%BC%A0%E4%BC%9F"),
                body: ByteBuffer(string: #"{"category":"social_security","unitId":"city-civil","note":"转民政局"}"#))
            #expect(response.status == .ok)
            let released = try json(response)
            #expect(released["status"] as? String == "dispatched")
            #expect(released["unitId"] as? String == "city-civil")
            let last = try #require((released["timeline"] as? [[String: Any]])?.last)
            #expect(last["actor"] as? String == "centre")
            #expect((last["person"] as? [String: Any])?["name"] as? String == "张伟")
            #expect((last["person"] as? [String: Any])?["id"] as? String == "zhang.wei")
            #expect(try fixture.updates(of: order.workOrderId).last?.person == ActingPerson(id: "zhang.wei", name: "张伟"))
        }
    }

    @Test func aTrustedCallerHasTheRightsOfTheUnitItActsFor() async throws {
        let order = try fixture.dispatch(fixture.classified("乱收费", category: .market, level: .normal, town: nil))
        try await application().test(.router) { client in
            // Acting for another unit: that unit's rights, so the order is not found (another unit's, docs/security.md).
            var response = try await client.execute(uri: "/v1/workorders/\(order.workOrderId)/sign", method: .post,
                                                    headers: headers(token: consoleToken, actAs: "danghu-team", person: "li.na"))
            #expect(response.status == .notFound)
            // Acting for the lead unit: signed by that unit, by that person.
            response = try await client.execute(uri: "/v1/workorders/\(order.workOrderId)/sign", method: .post,
                                                headers: headers(token: consoleToken, actAs: "city-market", person: "sun.li"))
            #expect(response.status == .ok)
            // A unit acting for the centre through the console may not approve anything it may not.
            response = try await client.execute(uri: "/v1/workorders/\(order.workOrderId)/reopen", method: .post,
                                                headers: headers(token: consoleToken, actAs: "city-market", person: "sun.li"),
                                                body: ByteBuffer(string: #"{"reason":"x"}"#))
            #expect(response.status == .forbidden)
        }
        let entry = try #require(try fixture.order(order.workOrderId).timeline.last)
        #expect(entry.change == "signed")
        #expect(entry.actor == "city-market")
        #expect(entry.person == ActingPerson(id: "sun.li", name: nil))
    }

    @Test func aUnitCannotPoseAsAnotherOrNameAPerson() async throws {
        let order = try fixture.dispatch(fixture.classified("乱收费", category: .market, level: .normal, town: nil))
        try await application().test(.router) { client in
            for fields in [headers(token: fixture.token("city-market"), person: "mallory"),
                           headers(token: fixture.token("city-market"), actAs: "centre"),
                           headers(token: fixture.token("danghu-team"), actAs: "city-market", person: "mallory")] {
                let response = try await client.execute(uri: "/v1/workorders/\(order.workOrderId)/sign", method: .post, headers: fields)
                #expect(response.status == .forbidden)
                #expect(try json(response)["message"] as? String
                    == "only a trusted caller (callers.json) may act for a unit or name a person: X-Minsheng-Act-As and X-Minsheng-Person are refused")
            }
        }
        #expect(try fixture.order(order.workOrderId).status == .dispatched)
    }

    @Test func theReviewRoutesAnswerWithTheirStatus() async throws {
        let held = try heldOrder()
        let centre = headers(token: fixture.token("centre"))
        try await application().test(.router) { client in
            // A unit may not review (a held order is the centre's: not found for a unit).
            var response = try await client.execute(uri: "/v1/workorders/\(held.workOrderId)/answer", method: .post,
                                                    headers: headers(token: fixture.token("danghu-team")),
                                                    body: ByteBuffer(string: #"{"answer":"x"}"#))
            #expect(response.status == .notFound)
            response = try await client.execute(uri: "/v1/workorders/\(held.workOrderId)/answer", method: .post, headers: centre,
                                                body: ByteBuffer(string: #"{"answer":"  "}"#))
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "answer")
            response = try await client.execute(uri: "/v1/workorders/\(held.workOrderId)/release", method: .post, headers: centre,
                                                body: ByteBuffer(string: #"{"category":"weather"}"#))
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "category")
            response = try await client.execute(uri: "/v1/workorders/\(held.workOrderId)/refuse-return", method: .post, headers: centre,
                                                body: ByteBuffer(string: #"{"note":"x"}"#))
            #expect(response.status == .conflict)
            response = try await client.execute(uri: "/v1/workorders/\(held.workOrderId)/answer", method: .post, headers: centre,
                                                body: ByteBuffer(string: #"{"answer":"已答复"}"#))
            #expect(response.status == .ok)
            #expect(try json(response)["status"] as? String == "closed")
        }
    }

    @Test func aHotspotTaskIsTheCentresAndMadeOnce() async throws {
        let body = #"{"source":"hotline12345","category":"market","town":"当湖街道","text":"【未诉先办】停车乱收费","unitId":"danghu-team","coUnitIds":["city-market"]}"#
        let path = "/v1/hotspots/hs-0b7d3c52-6a1e-4f0e-9d2b-5c8e7a1f2d34/task"
        try await application().test(.router) { client in
            var response = try await client.execute(uri: path, method: .post, headers: headers(token: fixture.token("danghu-team")),
                                                    body: ByteBuffer(string: body))
            #expect(response.status == .forbidden)
            response = try await client.execute(uri: "/v1/hotspots/not-an-alert/task", method: .post,
                                                headers: headers(token: fixture.token("centre")), body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            response = try await client.execute(uri: path, method: .post, headers: headers(token: fixture.token("centre")),
                                                body: ByteBuffer(string: body.replacingOccurrences(of: "当湖街道", with: "火星镇")))
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "town")
            response = try await client.execute(uri: path, method: .post, headers: headers(token: fixture.token("centre")),
                                                body: ByteBuffer(string: body))
            #expect(response.status == .created)
            let order = try json(response)
            #expect(order["hotspotAlertId"] as? String == "hs-0b7d3c52-6a1e-4f0e-9d2b-5c8e7a1f2d34")
            #expect(order["coUnitIds"] as? [String] == ["city-market"])
            response = try await client.execute(uri: path, method: .post, headers: headers(token: fixture.token("centre")),
                                                body: ByteBuffer(string: body))
            #expect(response.status == .conflict)
        }
    }
}
