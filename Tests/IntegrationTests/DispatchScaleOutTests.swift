import Foundation
import MinshengModel
import MinshengPlatform
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ServiceStacks {
    /// Dispatch as three instances over the partitioned work orders (docs/scaling.md), as real processes on
    /// a broker of its own, with intake, classification and notification in front and behind: every event
    /// ends once, every number is given once, the API reads and writes on any instance, and when one
    /// instance is killed and replaced with an empty disk, its orders, their numbers and their deadline
    /// timers carry on there: each timer fires once.
    @Suite("Scale-out: three dispatch instances", .enabled(if: TestBroker.enabled), .serialized)
    struct DispatchScaleOutTests {
        /// Deadlines of seconds: sign 30 s (warning at 24 s), resolve 60 s, for every level.
        static let deadlines = """
            {"warningAt": 0.8, "feedbackPeriod": "1d", "restartGrace": "1s",
             "levels": {"critical": {"sign": "30s", "onSite": "45s", "resolve": "60s"}, "urgent": {"sign": "30s", "resolve": "60s"},
                        "normal": {"sign": "30s", "resolve": "60s"}, "low": {"sign": "30s", "resolve": "60s"}}}
            """

        @Test func threeDispatchInstancesShareTheOrdersAndAReplacementWithAnEmptyDiskCarriesOn() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(bootstrap: broker.address, failFirst: 0,
                                                     services: [.intake, .classification, .notification])
            defer { stack.stopAll() }
            try Data(Self.deadlines.utf8).write(to: URL(fileURLWithPath: "\(stack.directory)/config/deadlines.json"))
            // One at a time, each waited for until it holds partitions (several members joining at once can
            // leave a group half-formed on the local broker: docs/scaling.md).
            try await stack.launchReplicas([.dispatch], 1...3)
            let ports = try (1...3).map { try #require(stack.replicaPort(.dispatch, $0)) }
            let centre = try stack.token(of: "centre")

            var burst = Burst(size: 150)
            try burst.publish(0..<60, to: broker.address)
            try burst.publishPoison(to: broker.address)

            // Orders made by whichever owner are read on every instance (the read model), and written
            // through any instance (the owner answers): signed on one, progress on the next.
            let early = try await eventually(timeout: .seconds(90), every: .milliseconds(500)) {
                let orders = try await Self.orders(port: ports[0], token: centre, run: burst.run)
                return orders.count >= 12 ? orders : nil
            }
            let firstOrders = try #require(early, "too few orders; logs in \(stack.directory)")
            var signed: Set<String> = []
            // Signed before the sign deadline (on a loaded machine the first orders can be past it already).
            var signedInTime: Set<String> = []
            for (index, order) in firstOrders.prefix(9).enumerated() {
                let id = try #require(order["workOrderId"] as? String)
                let (status, body) = try await Self.post(port: ports[index % 3], "/v1/workorders/\(id)/sign", token: centre,
                                                         body: #"{"note":"已安排"}"#)
                #expect(status == 200, "sign \(id) on instance \(index % 3 + 1): \(status) \(String(decoding: body, as: UTF8.self))")
                signed.insert(id)
                if Self.signedInTime(body) { signedInTime.insert(id) }
                let (progress, _) = try await Self.post(port: ports[(index + 1) % 3], "/v1/workorders/\(id)/progress", token: centre,
                                                        body: #"{"note":"处理中"}"#)
                #expect(progress == 200, "progress on \(id)")
                // The same refusal as one process gave: signing twice is a conflict.
                let (again, answer) = try await Self.post(port: ports[(index + 2) % 3], "/v1/workorders/\(id)/sign", token: centre, body: "{}")
                #expect(again == 409, "second sign of \(id): \(again)")
                #expect((try? JSONSerialization.jsonObject(with: answer) as? [String: Any])?["error"] as? String == "illegal_transition")
            }
            let (missing, _) = try await Self.post(port: ports[1], "/v1/workorders/WO20990101-0-000001/sign", token: centre, body: "{}")
            #expect(missing == 404)

            // Mid-burst, instance 2 dies; a replacement with an empty disk comes back under its id (on the local
            // broker a dead member is never expired).
            stack.kill9Replica(.dispatch, 2)
            try burst.publish(60..<burst.inbound.count, to: broker.address)
            try await Task.sleep(for: .seconds(1))
            try stack.launchReplica(.dispatch, 2, emptyDisk: true)
            try await stack.waitUntilReplicaReady(.dispatch, 2)

            let accounting = try await Accounting.settle(broker.address, burst: burst, receiver: stack.receiver, timeout: .seconds(180))
            accounting.expectComplete(burst, logs: stack.directory)
            let created = Set(accounting.created.values.flatMap { $0 })
            // 150 events less the malformed and the 110 police matters, less the repeats classification links
            // (attached to their original's order in its partition): dozens of orders, over all six partitions.
            #expect(created.count >= 30, "only \(created.count) orders")
            #expect(!accounting.attached.isEmpty, "no repeat was attached")
            #expect(Set(created.compactMap { $0.split(separator: "-").dropFirst().first }).count == 6, "orders not in every partition")
            // Every instance, the replacement too, reads every order, and writes reach any owner through it.
            for (index, port) in ports.enumerated() {
                let all = try await eventually(timeout: .seconds(60), every: .milliseconds(500)) {
                    let ids = Set(try await Self.orders(port: port, token: centre, run: burst.run).compactMap { $0["workOrderId"] as? String })
                    return ids == created ? ids : nil
                }
                #expect(all != nil, "instance \(index + 1) does not read every order; logs in \(stack.directory)")
            }
            for id in created.subtracting(signed).sorted().prefix(6) {
                let (status, body) = try await Self.post(port: ports[1], "/v1/workorders/\(id)/progress", token: centre, body: #"{"note":"已核实"}"#)
                // Progress needs a signed order: the owner refuses, with the API's answer, whichever instance asked.
                #expect(status == 409 || status == 200, "progress on \(id) via the replacement: \(status) \(String(decoding: body, as: UTF8.self))")
            }
            let replacementLog = try String(contentsOfFile: "\(stack.directory)/dispatch-2.log", encoding: .utf8)
            // It restored the state of its partitions (some records from the changelog, the rest its follower had read).
            let restored = replacementLog.split(separator: "\n").filter { $0.contains("Partition state restored") }
                .compactMap { line in line.split(separator: " ").first { $0.hasPrefix("records=") }.flatMap { Int($0.dropFirst(8)) } }
            #expect(!restored.isEmpty, "the replacement restored nothing; log \(stack.directory)/dispatch-2.log")

            // Deadlines: every order not signed in time gets its sign warning and overdue notice of round 1,
            // once, whichever instance owned it when it came due (the killed one's orders too); those signed
            // in time no overdue notice.
            let lastSignBy = try await Self.orders(port: ports[0], token: centre, run: burst.run)
                .compactMap { ($0["signBy"] as? String).flatMap(MessageCoding.parseTimestamp) }.max() ?? Date()
            if lastSignBy.addingTimeInterval(8) > Date() { try await Task.sleep(for: .seconds(lastSignBy.addingTimeInterval(8).timeIntervalSinceNow)) }
            let firings = try Self.deadlineFirings(broker.address, orders: created)
            let twice = firings.filter { $0.value > 1 }
            #expect(twice.isEmpty, "deadline timers fired more than once: \(twice.keys.sorted().prefix(5)); logs in \(stack.directory)")
            let unsigned = created.subtracting(signedInTime)
            let missed = unsigned.filter { firings["\($0)/1/overdue/sign"] != 1 || firings["\($0)/1/warning/sign"] != 1 }
            #expect(missed.isEmpty, "\(missed.count) unsigned orders without their sign warning and overdue notice: \(missed.sorted().prefix(5)); logs in \(stack.directory)")
            #expect(signedInTime.allSatisfy { firings["\($0)/1/overdue/sign"] == nil }, "an order signed in time was reported overdue for signing")
        }

        /// Every order of the run on one instance (centre's view), through the pages.
        static func orders(port: Int, token: String, run: String) async throws -> [[String: Any]] {
            var result: [[String: Any]] = []
            var cursor: Int?
            repeat {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/workorders?limit=200"
                                                  + (cursor.map { "&cursor=\($0)" } ?? ""))!)
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                let (data, _) = try await URLSession.shared.data(for: request)
                let page = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                result += ((page?["items"] as? [[String: Any]]) ?? []).filter { ($0["sourceId"] as? String)?.hasPrefix(run) == true }
                cursor = page?["nextCursor"] as? Int
            } while cursor != nil
            return result
        }

        /// Whether the answer to a sign (the order) says it was signed before its sign deadline.
        static func signedInTime(_ answer: Data) -> Bool {
            let order = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any]
            guard let signedAt = (order?["signedAt"] as? String).flatMap(MessageCoding.parseTimestamp),
                  let signBy = (order?["signBy"] as? String).flatMap(MessageCoding.parseTimestamp) else { return false }
            return signedAt < signBy
        }

        /// How often each deadline timer of `orders` fired, from `workorders.updates`: by
        /// `<order>/<round>/<warning|overdue>/<deadline>`.
        static func deadlineFirings(_ bootstrap: String, orders: Set<String>) throws -> [String: Int] {
            var firings: [String: Int] = [:]
            for update in try kcatConsume(bootstrap, topic: "workorders.updates") where orders.contains(update["workOrderId"] as? String ?? "") {
                guard let change = update["change"] as? String, change == "warning" || change == "overdue" else { continue }
                let key = "\(update["workOrderId"] ?? "")/\(update["round"] ?? "")/\(change)/\(update["deadline"] ?? "")"
                firings[key, default: 0] += 1
            }
            return firings
        }

        /// GETs `path` on one instance with a Bearer token.
        static func get(port: Int, _ path: String, token: String) async throws -> (Int, Data) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }

        static func post(port: Int, _ path: String, token: String, body: String) async throws -> (Int, Data) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }
    }
}
