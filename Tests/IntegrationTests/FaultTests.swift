import Foundation
import MinshengModel
import MinshengPlatform
import Testing

extension ServiceStacks {
    /// The fault suite: real processes, real brokers. Each case ends by counting: every accepted event has
    /// exactly one work order, attachment or police return; every malformed input exactly one rejection;
    /// every work order's instruction sheet reached its unit once (the receiver drops repeats by
    /// Idempotency-Key); the dead-letter topics hold exactly the bad inputs.
    @Suite("Fault suite: crashes, broker outages, a full disk", .enabled(if: TestBroker.enabled), .serialized)
    struct FaultTests {
        // MARK: kill -9

        @Test func killingEachServiceInTurnMidBurstLosesAndDuplicatesNothing() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(bootstrap: broker.address, failFirst: 0, receiverDelay: .milliseconds(20))
            defer { stack.stopAll() }
            let burst = Burst(size: 240)
            let quarter = burst.inbound.count / 4
            var killed: [String] = []
            for (index, service) in [ServiceName.intake, .classification, .dispatch, .notification].enumerated() {
                try burst.publish(index * quarter..<(index + 1) * quarter, to: broker.address)
                if index == 0 { try burst.publishPoison(to: broker.address) }
                // Kill it while it has work in hand: as soon as the first results of this quarter show.
                _ = try await eventually(timeout: .seconds(30), every: .milliseconds(20)) {
                    try Accounting.endedCount(broker.address, run: burst.run) > index * quarter / 2 ? true : nil
                }
                stack.kill9(service)
                killed.append(service.rawValue)
                try await Task.sleep(for: .milliseconds(500))
                try stack.launch(service)
                try await stack.waitUntilReady(service)
            }
            let accounting = try await Accounting.settle(broker.address, burst: burst, receiver: stack.receiver, timeout: .seconds(150))
            accounting.expectComplete(burst, logs: stack.directory)
        }

        // MARK: The broker down and up (mock cluster: it keeps its log)

        @Test func theBrokerDownAndUpMidBurstLosesNothingAndReadinessShowsTheOutage() async throws {
            let broker = try await MockBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(
                bootstrap: broker.address, failFirst: 0, settings: ["KAFKA_CREATE_TOPICS": "false"])
            defer { stack.stopAll() }
            let burst = Burst(size: 120)
            let half = burst.inbound.count / 2
            try burst.publish(0..<half, to: broker.address)
            try burst.publishPoison(to: broker.address)
            _ = try await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                try Accounting.endedCount(broker.address, run: burst.run) > 10 ? true : nil
            }
            try broker.command("down 1")
            // While it is down: intake and dispatch keep answering (degraded), classification is not ready.
            let shown = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) { () -> Bool? in
                let intake = try await stack.getJSON(.intake, "/readyz")
                let classification = try await stack.get(.classification, "/readyz")
                let kafka = ((intake["checks"] as? [String: Any])?["kafka"] as? [String: Any])?["status"] as? String
                return kafka == "degraded" && intake["status"] as? String == "degraded" && classification.status == 503 ? true : nil
            }
            #expect(shown == true, "readiness did not show the outage; logs in \(stack.directory)")
            // An event taken in over HTTP meanwhile is accepted (202) and published once the broker is back.
            let httpId = "\(burst.run)-http"
            let (status, _) = try await stack.postRaw(
                .intake, "/v1/events/walkin", body: Burst.event(id: httpId, text: "社区门口的路灯坏了三天", place: "当湖街道东湖社区"),
                headers: ["Authorization": "Bearer \(DemoToken.sender("service-stations"))"])
            #expect(status == 202)
            try await Task.sleep(for: .seconds(8))
            try broker.command("up 1")
            try burst.publish(half..<burst.inbound.count, to: broker.address)
            var expected = burst
            expected.extraAccepted.insert(httpId)
            let accounting = try await Accounting.settle(broker.address, burst: expected, receiver: stack.receiver, timeout: .seconds(150))
            accounting.expectComplete(expected, logs: stack.directory)
            for service in ServiceName.pipeline {
                let ready = try await eventually(timeout: .seconds(30)) { try await stack.get(service, "/readyz").status == 200 ? true : nil }
                #expect(ready == true, "\(service.rawValue) not ready after the outage")
            }
        }

        // MARK: A full disk

        @Test func aFullDatabaseHoldsInputBackSaysWhyAndResumesWhenSpaceIsFreed() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(
                bootstrap: broker.address, failFirst: 0, serviceSettings: [.classification: ["MINSHENG_DB_MAX_MB": "4"]])
            defer { stack.stopAll() }
            let burst = Burst(size: 60)
            try burst.publish(0..<20, to: broker.address)
            _ = try await eventually(timeout: .seconds(60)) { try Accounting.endedCount(broker.address, run: burst.run) >= 18 ? true : nil }
            // Another program takes the rest of the space the database may use.
            let database = "\(stack.directory)/data/classification/classification.sqlite"
            try runPython("""
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1], timeout=30)
                db.execute("CREATE TABLE filler (b BLOB)")
                db.execute("INSERT INTO filler VALUES (zeroblob(6 * 1024 * 1024))")
                db.commit()
                """, database)
            try burst.publish(20..<burst.inbound.count, to: broker.address)
            try burst.publishPoison(to: broker.address)
            let held = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) { () -> String? in
                let (status, body) = try await stack.get(.classification, "/readyz")
                let report = try JSONSerialization.jsonObject(with: body) as? [String: Any]
                let database = (report?["checks"] as? [String: Any])?["database"] as? [String: Any]
                return status == 503 && database?["status"] as? String == "failing" ? database?["reason"] as? String : nil
            }
            #expect(held?.contains("full") == true, "classification's /readyz did not say the database is full: \(held ?? "nil")")
            let endedWhileFull = try Accounting.endedCount(broker.address, run: burst.run)
            #expect(endedWhileFull < burst.inbound.count)
            // The operator frees space: the same messages are applied, nothing was dead-lettered.
            try runPython("""
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1], timeout=30)
                db.execute("DROP TABLE filler")
                db.commit()
                """, database)
            let accounting = try await Accounting.settle(broker.address, burst: burst, receiver: stack.receiver, timeout: .seconds(120))
            accounting.expectComplete(burst, logs: stack.directory)
            let ready = try await eventually(timeout: .seconds(30)) { try await stack.get(.classification, "/readyz").status == 200 ? true : nil }
            #expect(ready == true)
            let log = try String(contentsOfFile: "\(stack.directory)/classification.log", encoding: .utf8)
            #expect(log.contains("Database failing; consumption held back"))
            #expect(log.contains("Database works again; consumption resumed"))
        }

        // MARK: Hostile HTTP requests

        @Test func hostileRequestsToEveryEndpointGetClearAnswersAndHarmNothing() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(bootstrap: broker.address, failFirst: 0)
            defer { stack.stopAll() }
            let centre = "Bearer " + (try stack.token(of: "centre"))
            let sender = "Bearer " + DemoToken.sender("hotline12345")
            let deep = String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000)
            let bodies = [
                "", "{", "null", "[]", "\"text\"", #"{"note": 7}"#, #"{"unitId": ["x"], "coUnitIds": "y"}"#,
                #"{"satisfied": "yes"}"#, #"{"note": "'); DROP TABLE work_order; --"}"#, deep,
                String(repeating: "长", count: 200_000), "\u{00}\u{01}\u{FF}", #"{"id":"x","occurredAt":"2026-11-23T09:41:00+08:00","text":"\#(String(repeating: "a", count: 70_000))"}"#,
            ]
            var answers: [String: Int] = [:]
            let actions = ["sign", "on-site", "progress", "resolve", "return", "reassign", "feedback", "reopen"]
            for body in bodies {
                for action in actions {
                    for id in ["WO20261123-000001", "..%2F..%2Fetc", String(repeating: "W", count: 5000)] {
                        let (status, _) = try await stack.postRaw(.dispatch, "/v1/workorders/\(id)/\(action)", body: body,
                                                                  headers: ["Authorization": centre])
                        answers["dispatch \(action) \(status)", default: 0] += 1
                        #expect((400..<500).contains(status), "dispatch \(action) answered \(status) to \(body.prefix(40))")
                    }
                }
                for source in ["hotline12345", "police110", "nowhere"] {
                    let (status, _) = try await stack.postRaw(.intake, "/v1/events/\(source)", body: body, headers: ["Authorization": sender])
                    #expect((400..<500).contains(status), "intake \(source) answered \(status) to \(body.prefix(40))")
                }
            }
            for path in ["/v1/workorders?limit=-1", "/v1/workorders?status=%00", "/v1/workorders?cursor=abc", "/v1/stats?from=yesterday",
                         "/v1/workorders/%FF%FE"] {
                let (status, _) = try await stack.get(.dispatch, path, token: try stack.token(of: "centre"))
                #expect((400..<500).contains(status), "GET \(path) answered \(status)")
            }
            // A filter no order matches is an empty page, however long.
            let (longTown, page) = try await stack.get(
                .dispatch, "/v1/workorders?town=" + String(repeating: "%E9%95%87", count: 3000), token: try stack.token(of: "centre"))
            let items = (try JSONSerialization.jsonObject(with: page) as? [String: Any])?["items"] as? [Any]
            #expect(longTown == 200 && items?.isEmpty == true)
            for path in ["/v1/notifications", "/v1/notifications?workOrder=" + String(repeating: "x", count: 10_000)] {
                let (status, _) = try await stack.get(.notification, path, token: try stack.token(of: "centre"))
                #expect(status == 400 || status == 404 || status == 200, "GET \(path) answered \(status)")
            }
            // Every service still works, and nothing the requests carried reached a topic.
            for service in ServiceName.pipeline {
                #expect(try await stack.get(service, "/readyz").status == 200, "\(service.rawValue) hurt; logs in \(stack.directory)")
            }
            let valid = try await stack.postRaw(.intake, "/v1/events/hotline12345",
                                                body: Burst.event(id: "after-hostile", text: "路灯不亮", place: "当湖街道东湖社区"),
                                                headers: ["Authorization": sender])
            #expect(valid.0 == 202)
            #expect(try kcatConsume(broker.address, topic: "workorders.updates").allSatisfy { ($0["text"] as? String)?.contains("DROP TABLE") != true })
        }
    }
}

/// A mixed burst: distinct matters from four channels (no two alike, so no repeats or hotspots blur
/// the count), 110 calls of which some are police matters, malformed messages, and poison on the
/// internal topics (a schema version nobody knows).
struct Burst: Sendable {
    let run = "ft" + UUID().uuidString.prefix(6).lowercased()
    var inbound: [(topic: String, key: String, value: String)] = []
    var malformed: Set<String> = []
    /// Accepted outside `inbound` (over HTTP).
    var extraAccepted: Set<String> = []
    static let poisonAccepted = 3
    static let poisonClassified = 2

    static let places = ["当湖街道东湖社区", "钟埭街道花园村", "曹桥街道百寿村", "新埭镇新埭社区", "新仓镇芦湾村", "广陈镇山塘村",
                         "林埭镇林埭社区", "独山港镇全塘村"]
    static let problems = ["垃圾桶满了三天没人清运", "路灯晚上不亮", "下水道堵了污水漫到路上", "楼上装修周末早上七点就开电钻",
                           "菜场门口三轮车占道", "公交站牌被撞歪了", "河里漂着很多死鱼", "小饭店油烟直接排到窗口", "电梯困人后物业一直不来修",
                           "工地渣土车不盖篷布", "药店口罩涨价三倍", "老板拖欠三个月工资", "邻居家狗半夜一直叫", "小区停水一整天没通知"]
    static let police = ["有人持刀抢劫往东跑了", "有人打架头破血流", "家里被盗门锁被撬"]

    init(size: Int) {
        for index in 0..<size {
            let id = "\(run)-\(index)"
            let place = Self.places[index % Self.places.count]
            let topic: String
            let text: String
            switch index % 10 {
            case 0, 1:
                topic = "intake.police110"
                text = index % 20 == 0 ? "报警人称\(place)\(Self.police[index / 20 % Self.police.count])"
                    : "报警人称\(place)\(Self.problems[index % Self.problems.count])"
            case 2: topic = "intake.web"; text = "\(place)\(Self.problems[index % Self.problems.count])，没人管"
            case 3: topic = "intake.grid"; text = "巡查发现\(place)\(Self.problems[index % Self.problems.count])"
            default: topic = "intake.hotline12345"; text = "市民来电反映\(place)\(Self.problems[index % Self.problems.count])"
            }
            // Distinct matters: a serial number makes each text its own.
            var value = Self.event(id: id, text: "\(text)（第\(index)号）", place: place)
            if index % 25 == 7 {
                value = String(value.prefix(value.count / 2))
                malformed.insert(id)
            }
            inbound.append((topic, id, value))
        }
    }

    static func event(id: String, text: String, place: String) -> String {
        #"{"id":"\#(id)","occurredAt":"2026-11-28T09:00:00+08:00","text":"\#(text)","address":"平湖市\#(place)","reporter":{"name":"测试","phone":"13800001234"}}"#
    }

    func publish(_ range: Range<Int>, to bootstrap: String) throws {
        let slice = inbound[range]
        for topic in Set(slice.map(\.topic)) {
            try kcatProduceLines(bootstrap, topic: topic, lines: slice.filter { $0.topic == topic }.map { ($0.key, $0.value) })
        }
    }

    /// Messages no service can process: on events.accepted and events.classified, schema version 99.
    func publishPoison(to bootstrap: String) throws {
        try kcatProduceLines(bootstrap, topic: "events.accepted", lines: (0..<Self.poisonAccepted).map {
            ("\(run)-poison-a\($0)", #"{"schemaVersion":99,"eventId":"\#(run)-poison-a\#($0)"}"#)
        })
        try kcatProduceLines(bootstrap, topic: "events.classified", lines: (0..<Self.poisonClassified).map {
            ("\(run)-poison-c\($0)", #"{"schemaVersion":99,"eventId":"\#(run)-poison-c\#($0)"}"#)
        })
    }
}

/// What came out of a burst, read from the topics and the webhook receiver.
struct Accounting {
    /// Accepted events of the run by source id, with their event id.
    var accepted: [String: String] = [:]
    /// Endings per event id: work orders created (their numbers), attachments, police returns.
    var created: [String: Set<String>] = [:]
    var attached: [String: Set<String>] = [:]
    var returned: Set<String> = []
    /// Distinct rejections (rejection ids) per sender key.
    var rejections: [String: Set<String>] = [:]
    /// Distinct dead letters (by their original's place) per DLQ topic.
    var deadLetters: [String: Set<String>] = [:]
    /// Instruction sheets the units' systems took in (first of each Idempotency-Key), per work order.
    var sheets: [String: Int] = [:]

    /// How many events of the run have ended so far (work order, attachment, return or rejection).
    static func endedCount(_ bootstrap: String, run: String) throws -> Int {
        try read(bootstrap, run: run, receiver: nil).endedCount
    }

    var endedCount: Int {
        let eventIds = Set(created.keys).union(attached.keys).union(returned)
        return accepted.values.filter { eventIds.contains($0) }.count + rejections.count
    }

    static func read(_ bootstrap: String, run: String, receiver: WebhookReceiver?) throws -> Accounting {
        var result = Accounting()
        for message in try kcatConsume(bootstrap, topic: "events.accepted") {
            if let sourceId = message["sourceId"] as? String, sourceId.hasPrefix(run), let eventId = message["eventId"] as? String {
                result.accepted[sourceId] = eventId
            }
        }
        let ours = Set(result.accepted.values)
        for message in try kcatConsume(bootstrap, topic: "workorders.updates") {
            guard let eventId = message["eventId"] as? String, let workOrderId = message["workOrderId"] as? String else { continue }
            if message["change"] as? String == "created", ours.contains(eventId) {
                result.created[eventId, default: []].insert(workOrderId)
            }
            if message["change"] as? String == "attached", let attached = (message["attachedEvent"] as? [String: Any])?["eventId"] as? String,
               ours.contains(attached) {
                result.attached[attached, default: []].insert(workOrderId)
            }
        }
        for message in try kcatConsume(bootstrap, topic: "police110.returns") {
            if let eventId = message["eventId"] as? String, ours.contains(eventId) { result.returned.insert(eventId) }
        }
        for message in try kcatConsume(bootstrap, topic: "events.rejected") {
            let key = (message["sourceId"] as? String) ?? (message["originalKey"] as? String)
            if let key, key.hasPrefix(run), let id = message["eventId"] as? String { result.rejections[key, default: []].insert(id) }
        }
        for service in ["intake", "classification", "dispatch", "notification"] {
            for message in try kcatConsume(bootstrap, topic: "\(service).dlq") {
                let place = "\(message["topic"] ?? "")/\(message["partition"] ?? "")/\(message["offset"] ?? "")"
                result.deadLetters["\(service).dlq", default: []].insert(place)
            }
        }
        if let receiver {
            let orders = Set(result.created.values.flatMap { $0 })
            for request in receiver.accepted {
                guard let key = request.idempotencyKey, key.contains("-new_work_order-") else { continue }
                if let order = orders.first(where: { key.contains($0) }) { result.sheets[order, default: 0] += 1 }
            }
        }
        return result
    }

    /// Reads until every event of the burst has ended and every sheet has arrived, or `timeout`.
    static func settle(_ bootstrap: String, burst: Burst, receiver: WebhookReceiver, timeout: Duration) async throws -> Accounting {
        var last = Accounting()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            last = try read(bootstrap, run: burst.run, receiver: receiver)
            let expected = burst.inbound.count + burst.extraAccepted.count
            let orders = Set(last.created.values.flatMap { $0 })
            if last.endedCount >= expected, orders.allSatisfy({ last.sheets[$0] != nil }),
               (last.deadLetters["classification.dlq"]?.count ?? 0) >= Burst.poisonAccepted,
               (last.deadLetters["dispatch.dlq"]?.count ?? 0) >= Burst.poisonClassified {
                // A moment more for anything that would arrive twice.
                try await Task.sleep(for: .seconds(3))
                return try read(bootstrap, run: burst.run, receiver: receiver)
            }
            try await Task.sleep(for: .seconds(1))
        }
        return last
    }

    func expectComplete(_ burst: Burst, logs: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let valid = burst.inbound.filter { !burst.malformed.contains($0.key) }.map(\.key) + burst.extraAccepted
        let notAccepted = valid.filter { accepted[$0] == nil }
        #expect(notAccepted.isEmpty, "not accepted: \(notAccepted.prefix(10)); logs in \(logs)", sourceLocation: sourceLocation)
        var endings: [String: Int] = [:]
        for (_, eventId) in accepted {
            endings[eventId] = (created[eventId]?.count ?? 0) + (attached[eventId]?.count ?? 0) + (returned.contains(eventId) ? 1 : 0)
        }
        let unended = endings.filter { $0.value == 0 }.map(\.key)
        let twice = endings.filter { $0.value > 1 }.map(\.key)
        #expect(unended.isEmpty, "\(unended.count) accepted events without a work order, attachment or return; logs in \(logs)",
                sourceLocation: sourceLocation)
        #expect(twice.isEmpty, "events with two endings (two work orders?): \(twice.prefix(5)); logs in \(logs)", sourceLocation: sourceLocation)
        let numbers = created.values.flatMap { $0 }
        #expect(Set(numbers).count == numbers.count, "a work-order number was given twice", sourceLocation: sourceLocation)
        #expect(Set(rejections.keys) == burst.malformed, "rejections for \(rejections.keys.sorted()), malformed \(burst.malformed.sorted())",
                sourceLocation: sourceLocation)
        #expect(rejections.values.allSatisfy { $0.count == 1 }, "a malformed input was rejected twice", sourceLocation: sourceLocation)
        #expect(deadLetters["classification.dlq"]?.count == Burst.poisonAccepted, "classification.dlq: \(deadLetters["classification.dlq"] ?? [])",
                sourceLocation: sourceLocation)
        #expect(deadLetters["dispatch.dlq"]?.count == Burst.poisonClassified, "dispatch.dlq: \(deadLetters["dispatch.dlq"] ?? [])",
                sourceLocation: sourceLocation)
        #expect(deadLetters["intake.dlq", default: []].isEmpty && deadLetters["notification.dlq", default: []].isEmpty,
                "unexpected dead letters: \(deadLetters)", sourceLocation: sourceLocation)
        let orders = Set(numbers)
        let missingSheets = orders.filter { sheets[$0] == nil }
        #expect(missingSheets.isEmpty, "\(missingSheets.count) work orders whose sheet never reached the unit; logs in \(logs)",
                sourceLocation: sourceLocation)
        #expect(sheets.values.allSatisfy { $0 == 1 }, "a sheet was taken in twice under different keys", sourceLocation: sourceLocation)
    }
}

/// Publishes `lines` (key, value) to `topic` with one kcat.
func kcatProduceLines(_ bootstrap: String, topic: String, lines: [(String, String)]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    process.arguments = ["-P", "-b", bootstrap, "-t", topic, "-K", "\t"]
    let input = Pipe()
    process.standardInput = input
    process.standardError = FileHandle.nullDevice
    try process.run()
    input.fileHandleForWriting.write(Data(lines.map { "\($0.0)\t\($0.1)\n" }.joined().utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "kcat could not publish to \(topic)")
}

/// Runs a Python snippet with arguments; requires success.
func runPython(_ script: String, _ arguments: String...) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    process.waitUntilExit()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    try #require(process.terminationStatus == 0, "python failed: \(message)")
}
