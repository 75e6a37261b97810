import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// The HTTP API over the router (no socket): authentication, the status code of every refusal with its
/// JSON error, listing with filters and pages, and the cockpit's figures.
@Suite("Dispatch HTTP API")
struct DispatchAPITests {
    let fixture = try! DispatchFixture()

    func application() -> some ApplicationProtocol {
        let router = HTTPServer.makeRouter(readiness: Readiness())
        WorkOrderController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock, onCommit: {},
                            access: fixture.access)
            .addRoutes(to: router)
        StatsController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock, access: fixture.access)
            .addRoutes(to: router)
        return Application(router: router)
    }

    func headers(_ unitId: String?) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let unitId { fields[.authorization] = "Bearer \(fixture.token(unitId))" }
        return fields
    }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    func post(_ client: some TestClientProtocol, _ path: String, as unit: String?, _ body: String = "") async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: headers(unit), body: ByteBuffer(string: body))
    }

    @Test func withoutAValidTokenEveryRouteAnswers401() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        try await application().test(.router) { client in
            for (uri, method) in [("/v1/workorders", HTTPRequest.Method.get), ("/v1/workorders/\(order.workOrderId)", .get),
                                  ("/v1/workorders/\(order.workOrderId)/sign", .post), ("/v1/stats", .get)] {
                for authorization in [nil, "Bearer not-a-token-at-all", "Basic Y2VudHJlOng=", "Bearer ", "Bearer \(fixture.token("centre"))x"] {
                    var fields = HTTPFields()
                    if let authorization { fields[.authorization] = authorization }
                    let response = try await client.execute(uri: uri, method: method, headers: fields)
                    #expect(response.status == .unauthorized, "\(method) \(uri) with \(authorization ?? "nothing")")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    #expect(try json(response)["error"] as? String == "unauthorized")
                }
            }
            // The health routes stay open.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(try fixture.order(order.workOrderId).status == .dispatched)
    }

    @Test func refusalsHaveTheirStatusAndAJSONError() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        let id = order.workOrderId
        try await application().test(.router) { client in
            // Another unit's order: the same answer as an order that does not exist, naming no unit.
            var response = try await post(client, "/v1/workorders/\(id)/sign", as: "danghu-team")
            #expect(response.status == .notFound)
            #expect(try json(response)["message"] as? String == "no work order \(id)")
            response = try await client.execute(uri: "/v1/workorders/\(id)", method: .get, headers: headers("danghu-team"))
            #expect(response.status == .notFound)
            #expect(try json(response)["message"] as? String == "no work order \(id)")
            // A role the caller does not have: 403.
            response = try await post(client, "/v1/workorders/\(id)/reopen", as: "city-market", #"{"reason":"x"}"#)
            #expect(response.status == .forbidden)
            #expect(try json(response)["error"] as? String == "forbidden")
            response = try await post(client, "/v1/workorders/WO20990101-000009/sign", as: "city-market")
            #expect(response.status == .notFound)
            #expect(try json(response)["message"] as? String == "no work order WO20990101-000009")
            response = try await post(client, "/v1/workorders/\(id)/resolve", as: "city-market", #"{"result":"done"}"#)
            #expect(response.status == .conflict)
            #expect(try json(response)["error"] as? String == "illegal_transition")
            response = try await post(client, "/v1/workorders/\(id)/resolve", as: "city-market", #"{"note":"x"}"#)
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "result")
            #expect(try json(response)["error"] as? String == "missing_field")
            response = try await post(client, "/v1/workorders/\(id)/return", as: "city-market", #"{"reason":"   "}"#)
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "reason")
            response = try await post(client, "/v1/workorders/\(id)/feedback", as: "centre", #"{"satisfied":"yes"}"#)
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "satisfied")
            response = try await post(client, "/v1/workorders/\(id)/progress", as: "city-market", "{not json")
            #expect(response.status == .badRequest)
            #expect(try json(response)["error"] as? String == "malformed_json")
            response = try await post(client, "/v1/workorders/\(id)/reassign", as: "centre", #"{"unitId":"city-nowhere"}"#)
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "unitId")
            response = try await client.execute(uri: "/v1/workorders?level=extreme", method: .get, headers: headers("centre"))
            #expect(response.status == .badRequest)
            #expect(try json(response)["field"] as? String == "level")
        }
        #expect(try fixture.order(id).version == 1)
    }

    @Test func actionsAnswerWithTheOrderAndItsTimeline() async throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .normal, town: nil))
        try await application().test(.router) { client in
            var response = try await post(client, "/v1/workorders/\(order.workOrderId)/sign", as: "city-market")
            #expect(response.status == .ok)
            #expect(try json(response)["status"] as? String == "signed")
            response = try await post(client, "/v1/workorders/\(order.workOrderId)/on-site", as: "city-market", #"{"note":"已到场"}"#)
            #expect(try json(response)["status"] as? String == "on_site")
            response = try await post(client, "/v1/workorders/\(order.workOrderId)/resolve", as: "city-market",
                                      #"{"result":"已处理完毕"}"#)
            let body = try json(response)
            #expect(body["status"] as? String == "resolved")
            #expect(body["result"] as? String == "已处理完毕")
            let timeline = try #require(body["timeline"] as? [[String: Any]])
            #expect(timeline.map { $0["change"] as? String } == ["created", "signed", "on_site", "resolved"])
            #expect(timeline[2]["note"] as? String == "已到场")
        }
    }

    @Test func aUnitListsOnlyItsOwnOrdersAndTheCentreFiltersAndPages() async throws {
        for index in 0..<5 {
            try fixture.dispatch(fixture.classified("m\(index)", category: .market, level: index < 2 ? .urgent : .normal, town: "当湖街道"))
            fixture.clock.advance(by: 60)
        }
        let urban = try fixture.dispatch(fixture.classified("u", category: .urbanManagement, level: .normal, town: "曹桥街道"))
        let labour = try fixture.dispatch(fixture.classified("l", category: .labor, level: .urgent, town: "新仓镇"))
        try await application().test(.router) { client in
            func ids(_ uri: String, as unit: String) async throws -> [String] {
                let response = try await client.execute(uri: uri, method: .get, headers: headers(unit))
                #expect(response.status == .ok, "\(uri)")
                return try (json(response)["items"] as? [[String: Any]] ?? []).compactMap { $0["workOrderId"] as? String }
            }
            #expect(try await ids("/v1/workorders", as: "caoqiao-team") == [urban.workOrderId])
            #expect(try await ids("/v1/workorders", as: "city-hrss") == [labour.workOrderId])  // co-operating
            #expect(try await ids("/v1/workorders", as: "centre").count == 7)
            #expect(try await ids("/v1/workorders?unit=city-market&level=urgent", as: "centre").count == 2)
            #expect(try await ids("/v1/workorders?town=新仓镇", as: "centre") == [labour.workOrderId])
            #expect(try await ids("/v1/workorders?status=dispatched,signed&category=labor", as: "centre") == [labour.workOrderId])
            // A unit's own filter cannot widen what it sees.
            #expect(try await ids("/v1/workorders?unit=city-market", as: "caoqiao-team").isEmpty)
            // Pages of two, newest first, following nextCursor.
            var seen: [String] = []
            var uri = "/v1/workorders?unit=city-market&limit=2"
            while true {
                let response = try await client.execute(uri: uri, method: .get, headers: headers("centre"))
                let page = try json(response)
                seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["workOrderId"] as? String }
                guard let cursor = page["nextCursor"] as? Int else { break }
                uri = "/v1/workorders?unit=city-market&limit=2&cursor=\(cursor)"
            }
            #expect(seen.count == 5)
            #expect(seen == seen.sorted(by: >))
        }
    }

    @Test func theOverdueFilterAndTheTimeRange() async throws {
        let early = try fixture.dispatch(fixture.classified("a", category: .market, level: .normal, town: nil))
        fixture.clock.advance(by: 3 * 3600)  // the first is now past its 2 h sign deadline
        let late = try fixture.dispatch(fixture.classified("b", category: .market, level: .normal, town: nil))
        try await application().test(.router) { client in
            func ids(_ query: String) async throws -> [String] {
                let response = try await client.execute(uri: "/v1/workorders?\(query)", method: .get, headers: headers("centre"))
                return try (json(response)["items"] as? [[String: Any]] ?? []).compactMap { $0["workOrderId"] as? String }
            }
            #expect(try await ids("overdue=true") == [early.workOrderId])
            #expect(try await ids("overdue=false") == [late.workOrderId])
            let split = MessageCoding.formatTimestamp(DispatchFixture.monday.addingTimeInterval(3600))
            #expect(try await ids("from=\(split)") == [late.workOrderId])
            #expect(try await ids("to=\(split)") == [early.workOrderId])
            let response = try await client.execute(uri: "/v1/workorders/\(early.workOrderId)", method: .get, headers: headers("centre"))
            #expect(try json(response)["overdue"] as? [String] == ["sign"])
        }
    }

    @Test func theCockpitFigures() async throws {
        // Four orders: one signed in 10 min and resolved in a day, one signed late (3 h), one still
        // unsigned and overdue, one in another town by another level.
        let a = try fixture.dispatch(fixture.classified("a", category: .market, level: .normal, town: "当湖街道"))
        let b = try fixture.dispatch(fixture.classified("b", category: .market, level: .normal, town: "当湖街道"))
        let c = try fixture.dispatch(fixture.classified("c", category: .market, level: .normal, town: "当湖街道"))
        let d = try fixture.dispatch(fixture.classified("d", category: .urbanManagement, level: .urgent, town: "曹桥街道"))
        fixture.clock.advance(by: 600)
        try fixture.perform(.sign(note: nil), on: a.workOrderId, as: "city-market")
        try fixture.perform(.sign(note: nil), on: d.workOrderId, as: "caoqiao-team")
        fixture.clock.advance(by: 3 * 3600 - 600)
        try fixture.perform(.sign(note: nil), on: b.workOrderId, as: "city-market")
        fixture.clock.advance(by: 21 * 3600)
        try fixture.perform(.resolve(result: "ok", note: nil), on: a.workOrderId, as: "city-market")
        _ = c
        try await application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/stats", method: .get, headers: headers("centre"))
            #expect(response.status == .ok)
            let stats = try json(response)
            #expect(stats["total"] as? Int == 4)
            #expect((stats["byStatus"] as? [String: Int])?["signed"] == 2)
            #expect((stats["byStatus"] as? [String: Int])?["resolved"] == 1)
            #expect((stats["byStatus"] as? [String: Int])?["closed"] == 0)
            #expect((stats["byLevel"] as? [String: Int])?["urgent"] == 1)
            #expect((stats["byCategory"] as? [String: Int])?["market"] == 3)
            #expect((stats["byTown"] as? [String: Int])?["曹桥街道"] == 1)
            #expect(stats["closureRate"] as? Double == 0.25)
            #expect(abs((stats["onTimeSignRate"] as? Double ?? 0) - 2.0 / 3.0) < 1e-9)
            #expect(stats["onTimeResolveRate"] as? Double == 1)
            let toSign = try #require(stats["timeToSign"] as? [String: Any])
            #expect(toSign["count"] as? Int == 3)
            #expect(toSign["medianSeconds"] as? Double == 600)
            #expect(toSign["p90Seconds"] as? Double == 10_800.0)
            let toResolve = try #require(stats["timeToResolve"] as? [String: Any])
            #expect(toResolve["medianSeconds"] as? Double == 86_400.0)
            #expect(stats["overdueNow"] as? Int == 1)  // c: never signed
            // A unit sees its own figures only; the range can exclude everything.
            let own = try json(try await client.execute(uri: "/v1/stats", method: .get, headers: headers("caoqiao-team")))
            #expect(own["total"] as? Int == 1)
            let none = try json(try await client.execute(
                uri: "/v1/stats?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", method: .get, headers: headers("centre")))
            #expect(none["total"] as? Int == 0)
            #expect(none["closureRate"] == nil)
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}
