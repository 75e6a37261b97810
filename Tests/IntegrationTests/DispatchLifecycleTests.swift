import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing

extension ServiceStacks {
    /// Dispatch alone over a broker of its own: a work order's whole life over the HTTP API with every
    /// `workorders.updates` message checked, configuration reload on SIGHUP, and deadline timers that
    /// survive a restart and fire once.
    @Suite("Dispatch over the broker: lifecycle, reload, restart", .enabled(if: TestBroker.enabled))
    struct DispatchLifecycleTests {
        /// The `workorders.updates` messages of one event, in topic order.
        static func updates(_ bootstrap: String, eventId: String) throws -> [[String: Any]] {
            try kcatConsume(bootstrap, topic: "workorders.updates").filter { $0["eventId"] as? String == eventId }
        }

        @Test func aWorkOrderLivesItsWholeLifeOverTheAPI() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let bootstrap = broker.address
            let dispatch = try DispatchProcess(bootstrap: bootstrap)
            try await dispatch.start()
            defer { dispatch.stop() }
            let centre = try dispatch.token(of: "centre")
            let town = try dispatch.token(of: "danghu-team")
            let city = try dispatch.token(of: "city-urban")
            let eventId = "ev-it-\(UUID().uuidString.lowercased())"
            try kcatProduce(bootstrap, topic: "events.classified", key: eventId, value: classifiedEvent(
                eventId: eventId, text: "三港路有人占道摆摊，人行道都堵了", category: "urban_management", level: "normal", town: "当湖街道"))

            let created = try await eventually {
                let (_, page) = try await dispatch.request("GET", "/v1/workorders?eventId=\(eventId)", token: centre)
                return (page["items"] as? [[String: Any]])?.first
            }
            let id = try #require(created?["workOrderId"] as? String, "no work order; logs in \(dispatch.directory)")
            #expect(created?["unitId"] as? String == "danghu-team")

            // A repeat report is attached, not dispatched again.
            let repeatId = "ev-it-\(UUID().uuidString.lowercased())"
            try kcatProduce(bootstrap, topic: "events.classified", key: repeatId, value: classifiedEvent(
                eventId: repeatId, text: "三港路占道经营又来了", category: "urban_management", level: "normal", town: "当湖街道",
                duplicateOf: eventId, reporter: "李先生"))
            let attached = try await eventually {
                let (_, order) = try await dispatch.request("GET", "/v1/workorders/\(id)", token: town)
                return (order["events"] as? [Any])?.count == 2 ? order : nil
            }
            #expect(attached != nil, "the repeat report was not attached")

            // Who may do what.
            #expect(try await dispatch.request("GET", "/v1/workorders/\(id)").status == 401)
            #expect(try await dispatch.request("GET", "/v1/workorders/\(id)", token: "wrong-token-0000000000").status == 401)
            // Another unit's order is answered as if it did not exist.
            #expect(try await dispatch.request("POST", "/v1/workorders/\(id)/sign", token: city).status == 404)
            #expect(try await dispatch.request("POST", "/v1/workorders/WO20990101-000001/sign", token: centre).status == 404)
            #expect(try await dispatch.request("POST", "/v1/workorders/\(id)/resolve", token: town, body: #"{"result":"x"}"#).status == 409)

            func act(_ action: String, _ token: String, _ body: String? = nil, expect status: String) async throws {
                let (code, order) = try await dispatch.request("POST", "/v1/workorders/\(id)/\(action)", token: token, body: body)
                #expect(code == 200, "\(action): \(code) \(order)")
                #expect(order["status"] as? String == status, "\(action)")
            }
            // The town team returns it; it waits for the centre, which approves the rules' proposal: the city bureau.
            try await act("return", town, #"{"reason":"占道经营属综合执法局职责"}"#, expect: "returned")
            try await act("approve-return", centre, "{}", expect: "dispatched")
            try await act("sign", city, nil, expect: "signed")
            try await act("on-site", city, #"{"note":"执法队员已到场"}"#, expect: "on_site")
            try await act("progress", city, #"{"note":"已劝离摊贩"}"#, expect: "on_site")
            try await act("resolve", city, #"{"result":"摊贩已劝离，人行道已清理"}"#, expect: "resolved")
            // The citizen is not satisfied: reopened; the centre hands it to the town with the bureau co-operating.
            try await act("feedback", centre, #"{"satisfied":false,"comment":"第二天又来摆摊"}"#, expect: "reopened")
            try await act("reassign", centre, #"{"unitId":"danghu-team","coUnitIds":["city-urban"],"note":"属地长效管理"}"#,
                          expect: "dispatched")
            try await act("sign", town, nil, expect: "signed")
            try await act("progress", city, #"{"note":"执法局配合巡查"}"#, expect: "signed")  // co-operating unit
            try await act("resolve", town, #"{"result":"设置隔离栏，网格员每日巡查"}"#, expect: "resolved")
            try await act("feedback", centre, #"{"satisfied":true,"comment":"满意"}"#, expect: "closed")
            #expect(try await dispatch.request("POST", "/v1/workorders/\(id)/sign", token: centre).status == 409)

            let (_, final) = try await dispatch.request("GET", "/v1/workorders/\(id)", token: centre)
            let timeline = try #require(final["timeline"] as? [[String: Any]])
            let expected: [(change: String, status: String, unit: String, actor: String)] = [
                ("created", "dispatched", "danghu-team", "dispatch"),
                ("attached", "dispatched", "danghu-team", "dispatch"),
                ("returned", "returned", "danghu-team", "danghu-team"),
                ("reassigned", "dispatched", "city-urban", "centre"),
                ("signed", "signed", "city-urban", "city-urban"),
                ("on_site", "on_site", "city-urban", "city-urban"),
                ("progress", "on_site", "city-urban", "city-urban"),
                ("resolved", "resolved", "city-urban", "city-urban"),
                ("reopened", "reopened", "city-urban", "centre"),
                ("reassigned", "dispatched", "danghu-team", "centre"),
                ("signed", "signed", "danghu-team", "danghu-team"),
                ("progress", "signed", "danghu-team", "city-urban"),
                ("resolved", "resolved", "danghu-team", "danghu-team"),
                ("closed", "closed", "danghu-team", "centre"),
            ]
            #expect(timeline.compactMap { $0["change"] as? String } == expected.map(\.change))

            // Every change is on workorders.updates once, in order, keyed by the first event.
            let messages = try await eventually {
                let messages = try Self.updates(bootstrap, eventId: eventId)
                return messages.count >= expected.count ? messages : nil
            }
            let seen = try Self.updates(bootstrap, eventId: eventId).count
            let updates = try #require(messages, "workorders.updates has \(seen) messages of \(expected.count)")
            #expect(updates.count == expected.count)
            #expect(updates.compactMap { $0["sequence"] as? Int } == Array(1...expected.count))
            for (message, want) in zip(updates, expected) {
                #expect(message["workOrderId"] as? String == id)
                #expect(message["change"] as? String == want.change)
                #expect(message["status"] as? String == want.status, "\(want.change)")
                #expect(message["unitId"] as? String == want.unit, "\(want.change)")
                #expect(message["actor"] as? String == want.actor, "\(want.change)")
            }
            #expect((updates[1]["attachedEvent"] as? [String: Any])?["eventId"] as? String == repeatId)
            #expect(updates[2]["reason"] as? String == "占道经营属综合执法局职责")
            #expect(updates[2]["proposedUnitId"] as? String == "city-urban")
            #expect(updates[3]["previousUnitId"] as? String == "danghu-team")
            #expect(updates[6]["note"] as? String == "已劝离摊贩")
            #expect(updates[7]["result"] as? String == "摊贩已劝离，人行道已清理")
            #expect((updates[8]["feedback"] as? [String: Any])?["satisfied"] as? Bool == false)
            #expect(updates[9]["coUnitIds"] as? [String] == ["city-urban"])
            #expect((updates[13]["feedback"] as? [String: Any])?["comment"] as? String == "满意")

            let (_, stats) = try await dispatch.request("GET", "/v1/stats", token: centre)
            #expect(((stats["byStatus"] as? [String: Any])?["closed"] as? Int ?? 0) >= 1)

            // SIGHUP: a rotated token works at once, the old one no longer; a broken file changes nothing.
            let unitsPath = dispatch.configDirectory + "/units.json"
            let units = try String(contentsOfFile: unitsPath, encoding: .utf8)
            let rotated = TokenHash.newToken()
            try units.replacingOccurrences(of: try apiTokenHash(of: "centre", configDirectory: dispatch.configDirectory),
                                           with: TokenHash.make(token: rotated).description)
                .write(toFile: unitsPath, atomically: true, encoding: .utf8)
            dispatch.signal(SIGHUP)
            let reloaded = try await eventually(timeout: .seconds(10)) {
                try await dispatch.request("GET", "/v1/workorders/\(id)", token: rotated).status == 200 ? true : nil
            }
            #expect(reloaded == true)
            #expect(try await dispatch.request("GET", "/v1/workorders/\(id)", token: centre).status == 401)
            try "{ not json".write(toFile: unitsPath, atomically: true, encoding: .utf8)
            dispatch.signal(SIGHUP)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await dispatch.request("GET", "/v1/workorders/\(id)", token: rotated).status == 200)
            #expect(dispatch.stop() == 0)
        }

        @Test func deadlineTimersSurviveARestartAndFireOnce() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let bootstrap = broker.address
            // Deadlines of seconds: sign 12 s (warning at 9.6 s), resolve 24 s (warning at 19.2 s). The stop
            // comes about a second after the dispatch.
            let deadlines = """
                {"warningAt": 0.8, "feedbackPeriod": "1d", "restartGrace": "2s",
                 "levels": {"critical": {"sign": "12s", "onSite": "18s", "resolve": "24s"}, "urgent": {"sign": "12s", "resolve": "24s"},
                            "normal": {"sign": "12s", "resolve": "24s"}, "low": {"sign": "12s", "resolve": "24s"}}}
                """
            let dispatch = try DispatchProcess(bootstrap: bootstrap, replacing: ["deadlines.json": deadlines])
            try await dispatch.start()
            defer { dispatch.stop() }
            let centre = try dispatch.token(of: "centre")
            let eventId = "ev-it-\(UUID().uuidString.lowercased())"
            try kcatProduce(bootstrap, topic: "events.classified", key: eventId, value: classifiedEvent(
                eventId: eventId, text: "网购商品质量问题投诉", category: "market", level: "normal", town: "当湖街道"))
            let created = try await eventually(every: .milliseconds(100)) {
                let (_, page) = try await dispatch.request("GET", "/v1/workorders?eventId=\(eventId)", token: centre)
                return (page["items"] as? [[String: Any]])?.first
            }
            let order = try #require(created, "no work order; logs in \(dispatch.directory)")
            let dispatchedAt = try #require((order["dispatchedAt"] as? String).flatMap(MessageCoding.parseTimestamp))

            // Stopped with all four timers pending.
            #expect(dispatch.stop() == 0)
            let stoppedAt = Date()
            let pendingAtStop = try dispatch.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deadline_timer WHERE fired_at IS NULL AND cancelled_at IS NULL")
            }
            try #require(pendingAtStop == 4, "timers fired before the stop (\(stoppedAt.timeIntervalSince(dispatchedAt)) s after dispatch)")

            // Down until every deadline has passed, then started again.
            let allDue = dispatchedAt.addingTimeInterval(25)
            if allDue > Date() { try await Task.sleep(for: .seconds(allDue.timeIntervalSinceNow)) }
            let restartedAt = Date()
            try await dispatch.start()
            let fired = try await eventually {
                let messages = try Self.updates(bootstrap, eventId: eventId)
                return messages.count >= 5 ? messages : nil
            }
            #expect(fired != nil, "the timers did not fire after the restart; logs in \(dispatch.directory)")
            // Time for a repeat to show, then once more through a stop and a start: still once each.
            try await Task.sleep(for: .seconds(2))
            #expect(dispatch.stop() == 0)
            try await dispatch.start()
            try await Task.sleep(for: .seconds(3))
            #expect(dispatch.stop() == 0)

            let updates = try Self.updates(bootstrap, eventId: eventId)
            let summary = updates.map { "\($0["change"] as? String ?? "?")/\($0["deadline"] as? String ?? "-")" }
            // Warnings at once on the restart; overdue notices after the restart grace (2 s, less than the downtime).
            #expect(summary == ["created/-", "warning/sign", "warning/resolve", "overdue/sign", "overdue/resolve"])
            #expect(updates.compactMap { $0["sequence"] as? Int } == [1, 2, 3, 4, 5])
            #expect(updates.dropFirst().allSatisfy { $0["supervisorUnitId"] as? String == "centre" })
            let firings = try dispatch.read { db in
                try Row.fetchAll(db, sql: "SELECT kind, fired_at FROM deadline_timer ORDER BY fired_at, id").map {
                    ($0["kind"] as String, ($0["fired_at"] as String?).flatMap(MessageCoding.parseTimestamp))
                }
            }
            #expect(firings.map(\.0) == ["sign_warning", "resolve_warning", "sign_overdue", "resolve_overdue"])
            #expect(firings.allSatisfy { $0.1.map { $0 >= restartedAt.addingTimeInterval(-1) } == true }, "\(firings)")
            #expect(firings.filter { $0.0.hasSuffix("overdue") }.allSatisfy { $0.1.map { $0 >= restartedAt.addingTimeInterval(1.5) } == true },
                    "overdue timers fired within the grace: \(firings)")
        }
    }
}
