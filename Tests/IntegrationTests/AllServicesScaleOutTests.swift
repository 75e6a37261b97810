import Foundation
import MinshengModel
import MinshengPlatform
import Testing

extension ServiceStacks {
    /// The whole pipeline scaled out (issue 9): three instances of each of the four services on the
    /// 6-partition topics of one local broker. A mixed burst runs through them while one instance of every
    /// service is killed (-9) and replaced with an empty data directory; at the end every event has ended
    /// once, every sheet was delivered once, the hotspot was raised once, the API works on every dispatch
    /// instance and the deadline timers of the killed instance's orders fired once. And the same input
    /// through one instance of each service ends the same way as through three.
    @Suite("Scale-out: three instances of every service", .enabled(if: TestBroker.enabled), .serialized)
    struct AllServicesScaleOutTests {
        /// A stack of `instances` of each of the four services (`<service>-1` … `<service>-n`), with
        /// `deadlines.json` replaced when given, and a per-recipient rate limit no burst reaches (what this
        /// suite is about is where each sheet goes, not when).
        static func stack(on broker: PrivateBroker, instances: Int, deadlines: String? = nil) async throws -> ServiceStack {
            let stack = try await ServiceStack.start(bootstrap: broker.address, failFirst: 0, services: [])
            if let deadlines { try Data(deadlines.utf8).write(to: URL(fileURLWithPath: "\(stack.directory)/config/deadlines.json")) }
            let channelsPath = "\(stack.directory)/config/channels.json"
            var channels = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: channelsPath))) as! [String: Any]
            channels["rateLimit"] = ["perRecipient": 100_000, "windowSeconds": 60]
            try JSONSerialization.data(withJSONObject: channels).write(to: URL(fileURLWithPath: channelsPath))
            try await stack.launchReplicas(ServiceName.pipeline, 1...instances)
            return stack
        }

        /// The event id of the input with source id `sourceId`, once it is classified.
        static func classified(_ bootstrap: String, sourceId: String) async throws -> String? {
            try await eventually(timeout: .seconds(120), every: .milliseconds(500)) {
                try kcatConsume(bootstrap, topic: Topics.eventsClassified).first { $0["sourceId"] as? String == sourceId }?["eventId"] as? String
            }
        }

        @Test(.timeLimit(.minutes(12)))
        func threeInstancesOfEveryServiceCarryOnThroughAKillOfEachAndReplacementsWithEmptyDisks() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await Self.stack(on: broker, instances: 3, deadlines: DispatchScaleOutTests.deadlines)
            defer { stack.stopAll() }

            // 2,200 inputs from four channels (88 malformed; each matter's later reports repeats of its first),
            // 60 repeats of earlier reports through other channels, 110 police matters on the 110 channel and the
            // 8 reports of one hotspot: 2,378 inputs.
            var burst = Burst(size: 2200)
            let repeats = burst.addRepeats(of: Array(burst.valid(0..<1200).filter { $0 % 20 != 0 && $0 % 17 == 3 }.prefix(60)))
            let police = burst.addPoliceMatters(110)
            let hotspot = burst.addHotspot(start: Date().addingTimeInterval(-6 * 3600))
            let policeMatters = burst.inbound[police].map(\.key)
            #expect(repeats.count == 60)

            // The hotspot's first report is classified before the others come (as when the others ring later).
            try burst.publish(hotspot.lowerBound..<hotspot.lowerBound + 1, to: broker.address)
            let firstReport = try #require(try await Self.classified(broker.address, sourceId: burst.inbound[hotspot.lowerBound].key),
                                           "the hotspot's first report was not classified; logs in \(stack.directory)")

            // Half the burst; when a few hundred events have ended, one instance of every service dies.
            try burst.publish(0..<1100, to: broker.address)
            try burst.publish(police.prefix(55), to: broker.address)
            try burst.publishPoison(to: broker.address)
            let midway = try await eventually(timeout: .seconds(180), every: .seconds(2)) {
                try Accounting.endedCount(broker.address, run: burst.run) >= 300 ? true : nil
            }
            try #require(midway == true, "300 events did not end; logs in \(stack.directory)")
            // The dispatch instance that dies is the one whose partitions hold the most orders now (the burst's
            // matters need not spread evenly: a matter's key is its first report's id, and under load the first
            // reports may all come through a few partitions); of the other services, the second.
            let orderedSoFar = try Accounting.read(broker.address, run: burst.run, receiver: nil).created.values.flatMap { $0 }
            let dispatchVictim = (1...3).max { a, b in
                Self.orders(orderedSoFar, in: Self.partitions(of: Topics.eventsClassified, stack.assignedPartitions(.dispatch, a))).count
                    < Self.orders(orderedSoFar, in: Self.partitions(of: Topics.eventsClassified, stack.assignedPartitions(.dispatch, b))).count
            }!
            let victim: [ServiceName: Int] = [.intake: 2, .classification: 2, .dispatch: dispatchVictim, .notification: 2]
            let killedPartitions = Self.partitions(of: Topics.eventsClassified, stack.assignedPartitions(.dispatch, dispatchVictim))
            var logsBefore: [ServiceName: Int] = [:]
            for service in ServiceName.pipeline {
                stack.kill9Replica(service, victim[service]!)
                logsBefore[service] = stack.replicaLog(service, victim[service]!).utf8.count
            }
            let endedAtKill = try Accounting.endedCount(broker.address, run: burst.run)

            // The rest, the repeats and the hotspot's other reports, while the survivors carry on with their
            // partitions (the dead instances' partitions wait: on the local broker a dead member is never
            // expired); then replacements with empty disks come back under the same instance ids. Carrying on is
            // counted by what needs no dead partition at all in the worst case (the killed dispatch instance may
            // own every matter): rejections of malformed inputs and police matters handed back to 110, about 50.
            try burst.publish(1100..<2200, to: broker.address)
            try burst.publish(repeats, to: broker.address)
            try burst.publish(police.dropFirst(55), to: broker.address)
            try burst.publish(hotspot.dropFirst(), to: broker.address)
            let carriedOn = try await eventually(timeout: .seconds(120), every: .seconds(2)) {
                try Accounting.endedCount(broker.address, run: burst.run) >= endedAtKill + 25 ? true : nil
            }
            #expect(carriedOn == true, "the survivors did not carry on while an instance of every service was dead; logs in \(stack.directory)")
            for service in ServiceName.pipeline { try stack.launchReplica(service, victim[service]!, emptyDisk: true) }
            for service in ServiceName.pipeline {
                try await stack.waitUntilReplicaReady(service, victim[service]!)
                let rejoined = try await eventually(timeout: .seconds(90), every: .milliseconds(500)) {
                    stack.assignedPartitions(service, victim[service]!, after: logsBefore[service] ?? 0).isEmpty ? nil : true
                }
                try #require(rejoined == true, "\(service.rawValue)-\(victim[service]!)'s replacement holds no partition; logs in \(stack.directory)")
            }
            // Inputs sent again under the same source ids (a sender retrying after the hand-over): one event each.
            var again = burst
            again.inbound = burst.valid(0..<40).map { burst.inbound[$0] }
            try again.publish(0..<again.inbound.count, to: broker.address)

            // Every event ended once (its own order, attached to its matter's order, or handed back to 110),
            // numbers unique, malformed inputs rejected once, poison in the dead-letter queues, every sheet
            // taken in once by its unit.
            let accounting = try await Accounting.settle(broker.address, burst: burst, receiver: stack.receiver, timeout: .seconds(300))
            accounting.expectComplete(burst, logs: stack.directory)
            let created = Set(accounting.created.values.flatMap { $0 })
            let notReturned = policeMatters.filter { accounting.accepted[$0].map(accounting.returned.contains) != true }
            #expect(notReturned.isEmpty, "police matters not handed back to 110: \(notReturned.prefix(5))")
            let unattached = burst.inbound[repeats].map(\.key).filter { accounting.accepted[$0].map { accounting.attached[$0] != nil } != true }
            #expect(unattached.isEmpty, "\(unattached.count) repeats of earlier reports not attached to their matter's order: \(unattached.prefix(5)); logs in \(stack.directory)")

            // One hotspot, named after its first report, holding the reports of the hand-over too.
            let hotspotEvents = Set(burst.inbound[hotspot].compactMap { accounting.accepted[$0.key] })
            let alerts = try kcatConsume(broker.address, topic: Topics.hotspotAlerts)
                .filter { !hotspotEvents.isDisjoint(with: $0["eventIds"] as? [String] ?? []) }
            #expect(Set(alerts.compactMap { $0["alertId"] as? String }) == ["hs-\(firstReport)"], "hotspots: \(alerts.map { $0["alertId"] ?? "?" })")
            let latest = alerts.max { ($0["revision"] as? Int ?? 0) < ($1["revision"] as? Int ?? 0) }
            let members = Set(latest?["eventIds"] as? [String] ?? []).intersection(hotspotEvents)
            #expect(members.count >= 4, "the hotspot holds \(members.count) of the 8 reports")
            let firstOrder = try #require(accounting.created[firstReport], "the hotspot's first report has no order")
            let elsewhere = hotspotEvents.subtracting([firstReport]).filter { accounting.attached[$0] != firstOrder }
            #expect(elsewhere.isEmpty, "\(elsewhere.count) of the hotspot's later reports not attached to its first report's order \(firstOrder)")

            // The replacements restored the state of the partitions they hold (for intake only intake.requests
            // has state; the inbound topics have none).
            let stateInputs: [ServiceName: String] = [.intake: Topics.intakeRequests, .classification: Topics.classificationByTown,
                                                      .dispatch: Topics.eventsClassified, .notification: Topics.workOrderUpdates]
            for service in ServiceName.pipeline {
                let after = logsBefore[service] ?? 0
                let number = victim[service]!
                let holdsState = stack.assignedPartitions(service, number, after: after).contains { $0.hasPrefix(stateInputs[service]! + "/") }
                let replacement = String(decoding: Array(stack.replicaLog(service, number).utf8.dropFirst(after)), as: UTF8.self)
                #expect(!holdsState || replacement.contains("Partition state restored"), "\(service.rawValue)-\(number)'s replacement restored nothing")
                #expect(holdsState || service == .intake, "\(service.rawValue)-\(number)'s replacement holds no partition of \(stateInputs[service]!)")
            }

            // Every API read and write on every dispatch instance, the replacement too.
            let ports = try stack.replicaPorts(.dispatch, 1...3)
            let centre = try stack.token(of: "centre")
            for (index, port) in ports.enumerated() {
                let all = try await eventually(timeout: .seconds(60), every: .milliseconds(500)) {
                    let ids = Set(try await DispatchScaleOutTests.orders(port: port, token: centre, run: burst.run).compactMap { $0["workOrderId"] as? String })
                    return ids == created ? ids : nil
                }
                #expect(all != nil, "dispatch-\(index + 1) does not list every order; logs in \(stack.directory)")
            }
            let killedOrders = Self.orders(created, in: killedPartitions)
            #expect(!killedOrders.isEmpty, "no order in the killed dispatch instance's partitions \(killedPartitions.sorted())")
            var signedInTime: Set<String> = []
            let chosen = Array(killedOrders.sorted().prefix(2)) + Array(created.subtracting(killedOrders).sorted().prefix(1))
            for (index, id) in chosen.enumerated() {
                let on = { (offset: Int) in ports[(index + offset) % 3] }
                let (got, body) = try await DispatchScaleOutTests.get(port: on(0), "/v1/workorders/\(id)", token: centre)
                #expect(got == 200 && (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["workOrderId"] as? String == id,
                        "GET \(id) on dispatch-\(index % 3 + 1): \(got)")
                let (signed, answer) = try await DispatchScaleOutTests.post(port: on(0), "/v1/workorders/\(id)/sign", token: centre, body: #"{"note":"已安排"}"#)
                #expect(signed == 200, "sign \(id): \(signed) \(String(decoding: answer, as: UTF8.self))")
                if DispatchScaleOutTests.signedInTime(answer) { signedInTime.insert(id) }
                let (progress, _) = try await DispatchScaleOutTests.post(port: on(1), "/v1/workorders/\(id)/progress", token: centre, body: #"{"note":"处理中"}"#)
                #expect(progress == 200, "progress on \(id)")
                let (resolved, _) = try await DispatchScaleOutTests.post(port: on(2), "/v1/workorders/\(id)/resolve", token: centre,
                                                                         body: #"{"result":"已修复","note":"现场处理完毕"}"#)
                #expect(resolved == 200, "resolve \(id)")
                let (again, refusal) = try await DispatchScaleOutTests.post(port: on(1), "/v1/workorders/\(id)/sign", token: centre, body: "{}")
                #expect(again == 409 && (try? JSONSerialization.jsonObject(with: refusal) as? [String: Any])?["error"] as? String == "illegal_transition",
                        "second sign of \(id): \(again)")
                // Every instance reads the writes (eventually: the read model follows the changelog).
                for (number, port) in ports.enumerated() {
                    let seen = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) { () -> Bool? in
                        let (_, body) = try await DispatchScaleOutTests.get(port: port, "/v1/workorders/\(id)", token: centre)
                        return (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["status"] as? String == "resolved" ? true : nil
                    }
                    #expect(seen == true, "dispatch-\(number + 1) does not show \(id) resolved")
                }
            }
            for (number, port) in ports.enumerated() {
                let (stats, _) = try await DispatchScaleOutTests.get(port: port, "/v1/stats", token: centre)
                #expect(stats == 200, "stats on dispatch-\(number + 1): \(stats)")
                let (missing, _) = try await DispatchScaleOutTests.post(port: port, "/v1/workorders/WO20990101-0-000001/sign", token: centre, body: "{}")
                #expect(missing == 404, "sign of an unknown order on dispatch-\(number + 1): \(missing)")
            }

            // Deadlines: every order not signed in time (the killed instance's too) got its round-1 sign warning
            // and overdue notice once; no timer fired twice.
            let lastSignBy = try await DispatchScaleOutTests.orders(port: ports[0], token: centre, run: burst.run)
                .compactMap { ($0["signBy"] as? String).flatMap(MessageCoding.parseTimestamp) }.max() ?? Date()
            _ = try await eventually(timeout: .seconds(120), every: .seconds(1)) { () -> Bool? in
                let firings = try DispatchScaleOutTests.deadlineFirings(broker.address, orders: created)
                return Date() > lastSignBy.addingTimeInterval(8)
                    && created.subtracting(signedInTime).allSatisfy { firings["\($0)/1/overdue/sign"] != nil } ? true : nil
            }
            let firings = try DispatchScaleOutTests.deadlineFirings(broker.address, orders: created)
            let twice = firings.filter { $0.value > 1 }
            #expect(twice.isEmpty, "deadline timers fired more than once: \(twice.keys.sorted().prefix(5)); logs in \(stack.directory)")
            let missed = created.subtracting(signedInTime).filter { firings["\($0)/1/overdue/sign"] != 1 || firings["\($0)/1/warning/sign"] != 1 }
            #expect(missed.isEmpty, "\(missed.count) orders without their sign warning and overdue notice once (\(missed.intersection(killedOrders).count) of the killed instance's): \(missed.sorted().prefix(5)); logs in \(stack.directory)")
        }

        /// The partition numbers of `topic` among `held` ("topic/n").
        static func partitions(of topic: String, _ held: Set<String>) -> Set<Int32> {
            Set(held.compactMap { $0.hasPrefix(topic + "/") ? Int32($0.dropFirst(topic.count + 1)) : nil })
        }

        /// The work orders among `orders` numbered in one of `partitions` (`WO<day>-<p>-<n>`).
        static func orders<Orders: Sequence<String>>(_ orders: Orders, in partitions: Set<Int32>) -> Set<String> {
            Set(orders.filter { order in
                order.split(separator: "-").dropFirst().first.flatMap { Int32($0) }.map(partitions.contains) == true
            })
        }

        /// The same input through one instance of each service and through three: the same outcome, as sets
        /// of (source id, category, level, police, how it ended, unit). The input goes in phases, each waited
        /// for: a phase holds at most one report of a matter (the burst's matters recur every 56 inputs), so
        /// which report of a matter is first does not depend on which instance got there first.
        @Test(.timeLimit(.minutes(10)))
        func oneInstanceOfEachServiceEndsTheSameInputTheSameWayAsThree() async throws {
            var burst = Burst(size: 392)
            let hotspot = burst.addHotspot(start: Date().addingTimeInterval(-6 * 3600))
            var phases: [[Range<Int>]] = stride(from: 0, to: 392, by: 56).map { [$0..<$0 + 56] }
            phases[0].append(hotspot.lowerBound..<hotspot.lowerBound + 1)
            phases[1].append(hotspot.dropFirst())
            let input = burst
            let plan = phases

            func outcome(instances: Int) async throws -> PipelineOutcome {
                let broker = try await PrivateBroker.start()
                defer { broker.stop() }
                let stack = try await Self.stack(on: broker, instances: instances)
                defer { stack.stopAll() }
                var sent = 0
                for (number, phase) in plan.enumerated() {
                    for range in phase { try input.publish(range, to: broker.address) }
                    sent += phase.map(\.count).reduce(0, +)
                    let expected = sent
                    let ended = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
                        try Accounting.endedCount(broker.address, run: input.run) >= expected ? true : nil
                    }
                    try #require(ended == true, "phase \(number) did not end with \(instances) instance(s); logs in \(stack.directory)")
                }
                return try PipelineOutcome.read(broker.address, run: input.run)
            }

            let three = try await outcome(instances: 3)
            let one = try await outcome(instances: 1)
            #expect(one.rows.count == burst.inbound.count, "\(one.rows.count) rows for \(burst.inbound.count) inputs")
            // Not a comparison of nothing: orders, attachments, returns to 110 and rejections, all there.
            let endings = Set(one.rows.map { $0.ending.hasPrefix("attached") ? "attached" : $0.ending })
            #expect(endings == ["order", "attached", "returned", "rejected"], "endings: \(endings)")
            #expect(three.rows == one.rows, """
                one instance and three differ: only with one \(one.rows.subtracting(three.rows).sorted().prefix(8)), \
                only with three \(three.rows.subtracting(one.rows).sorted().prefix(8))
                """)
        }
    }
}
