import Foundation
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ServiceStacks {
    /// Notification as several processes on 6-partition topics (docs/scaling.md): a second and a third
    /// instance join mid-burst and take partitions over from the first, restoring their state from the
    /// changelog; the second stops gracefully and a replacement with the same instance id and an empty data
    /// directory takes its place; then the first is killed with `kill -9` and replaced the same way. At the
    /// end every instruction sheet reached its unit exactly once once the receiver drops repeats by
    /// Idempotency-Key, and the only repeats are what the killed instance had under way.
    @Suite("Notification on several instances: partitioned deliveries and hand-overs", .enabled(if: TestBroker.enabled), .serialized)
    struct NotificationScaleTests {
        let logger = Logger(label: "test")

        /// One notification process: its instance id, port, data directory.
        final class Instance: Sendable {
            let id: String
            let port: Int
            let dataDirectory: String
            let process: Process

            init(id: String, dataDirectory: String, bootstrap: String, configDirectory: String, log: String) throws {
                self.id = id
                self.dataDirectory = dataDirectory
                port = try freePort()
                process = try ServiceProcess.launch(
                    .notification, bootstrap: bootstrap, port: port,
                    settings: ["MINSHENG_DATA_DIR": dataDirectory, "MINSHENG_CONFIG_DIR": configDirectory, "MINSHENG_INSTANCE_ID": id],
                    log: log)
            }

            func get(_ path: String, token: String? = nil) async throws -> (status: Int, body: Data) {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                let (data, response) = try await URLSession.shared.data(for: request)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
            }

            func waitUntilReady() async throws {
                let ready = try await eventually(timeout: .seconds(60)) { try? await self.get("/readyz").status == 200 ? true : nil }
                try #require(ready == true, "\(id) did not become ready")
            }

            /// Webhook deliveries this process made (its own metrics).
            func deliveries() async throws -> Double {
                let text = String(decoding: try await get("/metrics").body, as: UTF8.self)
                return text.split(separator: "\n")
                    .filter { $0.hasPrefix("minsheng_notifications_total{") && $0.contains(#"outcome="delivered""#) }
                    .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
            }
        }

        func update(run: String, index: Int, unitId: String, at now: Date) -> WorkOrderUpdate {
            WorkOrderUpdate(
                eventId: "ev-\(run)-\(index)", workOrderId: "WO\(run)-\(index)", sequence: 1, change: .created, status: .dispatched,
                unitId: unitId, unitName: unitId, category: .urbanManagement, level: .normal, town: "当湖街道", village: nil, grid: nil,
                source: .hotline12345, sourceId: "scale-\(run)-\(index)", text: "垃圾桶满了三天没人清运", address: "三港路", reporter: nil,
                occurredAt: now, signBy: now.addingTimeInterval(1800), resolveBy: now.addingTimeInterval(86_400), at: now)
        }

        /// The work order of an instruction sheet the receiver got.
        static func workOrder(of request: WebhookReceiver.Received) -> String? {
            (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["workOrderId"] as? String
        }

        @Test(.timeLimit(.minutes(10)))
        func sheetsAreDeliveredOnceThroughAJoinAGracefulStopAndAKill() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let directory = NSTemporaryDirectory() + "minsheng-scale-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
            let admin = KafkaConfiguration(bootstrapServers: broker.address, clientId: "it-scale-admin")
            try await KafkaAdmin.ensureTopics(
                TopicCatalog.specs(for: [Topics.workOrderUpdates, Topics.hotspotAlerts, Topics.notificationDeliveries,
                                         Topics.notificationChangelog, Topics.deadLetter(service: "notification")]),
                configuration: admin)

            // A unit system that takes 150 ms to answer keeps deliveries in flight at every hand-over.
            let receiver = WebhookReceiver(failFirst: 0, delay: .milliseconds(150))
            let receiverPort = try await receiver.start()
            try ServiceStack.writeConfig(to: directory + "/config", webhookBase: "http://127.0.0.1:\(receiverPort)")
            // The burst goes to a few dozen units: the per-recipient rate limit is not what this test is about.
            let channelsPath = directory + "/config/channels.json"
            var channels = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: channelsPath))) as! [String: Any]
            channels["rateLimit"] = ["perRecipient": 1000, "windowSeconds": 60]
            try JSONSerialization.data(withJSONObject: channels).write(to: URL(fileURLWithPath: channelsPath))
            let units = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config/units.json")))
            let unitIds = ((units as? [String: Any])?["units"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                .filter { $0 != "danghu-team" }  // the one with a duty robot as well

            func launch(_ id: String, generation: Int) throws -> Instance {
                try Instance(id: id, dataDirectory: "\(directory)/data/\(id)-\(generation)", bootstrap: broker.address,
                             configDirectory: directory + "/config", log: "\(directory)/\(id).log")
            }

            let run = UUID().uuidString.prefix(6).lowercased()
            let total = 480
            let now = Date()
            let a = try launch("notification-a", generation: 1)
            try await a.waitUntilReady()

            // The burst: 40 work orders a second, each keyed by its event (spread over the 6 partitions).
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: broker.address, clientId: "it-scale-feeder"),
                                             logger: logger)
            let updates = (0..<total).map { update(run: run, index: $0, unitId: unitIds[$0 % unitIds.count], at: now) }
            let publisher = Task {
                for chunk in stride(from: 0, to: total, by: 10) {
                    let messages = try updates[chunk..<min(chunk + 10, total)].map {
                        OutgoingMessage(topic: Topics.workOrderUpdates, key: $0.eventId, value: try MessageCoding.encode($0))
                    }
                    for result in await producer.send(messages) { _ = try result.get() }
                    try await Task.sleep(for: .milliseconds(250))
                }
            }

            func ours(_ requests: [WebhookReceiver.Received]) -> [WebhookReceiver.Received] {
                requests.filter { $0.path.hasPrefix("/units/") && Self.workOrder(of: $0)?.hasPrefix("WO\(run)-") == true }
            }
            func acceptedKeys() -> Set<String> { Set(ours(receiver.accepted).compactMap(\.idempotencyKey)) }
            func waitForAccepted(_ count: Int) async throws {
                let reached = try await eventually(timeout: .seconds(120), every: .milliseconds(20)) { acceptedKeys().count >= count ? true : nil }
                try #require(reached == true, "only \(acceptedKeys().count) sheets delivered; logs in \(directory)")
            }

            // 1. B joins with an empty disk and takes half the partitions over from A.
            try await waitForAccepted(40)
            let beforeJoin = acceptedKeys()
            let requestsAtJoin = ours(receiver.requests).count
            let b = try launch("notification-b", generation: 1)
            try await b.waitUntilReady()

            // 2. C joins with an empty disk: three instances, two partitions each.
            try await waitForAccepted(110)
            let c = try launch("notification-c", generation: 1)
            try await c.waitUntilReady()

            // 3. B stops gracefully; a replacement under B's id with an empty data directory takes its place.
            try await waitForAccepted(200)
            let byB = try await b.deliveries()
            let beforeStop = acceptedKeys()
            let requestsAtStop = ours(receiver.requests).count
            let stopped = ServiceProcess.terminate(b.process)
            #expect(stopped == 0, "notification-b did not stop gracefully; log: \(directory)/notification-b.log")
            let b2 = try launch("notification-b", generation: 2)
            try await b2.waitUntilReady()

            // 4. A is killed; what its changelog says was delivered must never be sent again.
            try await waitForAccepted(320)
            let byA = try await a.deliveries()
            kill(a.process.processIdentifier, SIGKILL)
            a.process.waitUntilExit()
            let atKill = acceptedKeys()
            let requestsAtKill = ours(receiver.requests).count
            let killedOwned = try Self.lastAssignment(log: "\(directory)/notification-a.log")
            // A delivered record beats any pending one of the same notification (docs/messages.md). A's partitions
            // stay A's until its replacement joins (the local broker never expires a member), so what the
            // changelog says of them now is what A recorded before it died.
            let recordedDelivered = Set(try kcatConsume(broker.address, topic: Topics.notificationChangelog).compactMap { record -> String? in
                guard let notification = record["notification"] as? [String: Any], notification["status"] as? String == "delivered" else { return nil }
                return notification["notificationId"] as? String
            })
            let a2 = try launch("notification-a", generation: 2)
            try await a2.waitUntilReady()
            try await publisher.value
            await producer.close()

            // Every sheet, exactly once after de-duplication by Idempotency-Key.
            let delivered = try await eventually(timeout: .seconds(180), every: .milliseconds(100)) {
                let keys = acceptedKeys()
                return keys.count >= total ? keys : nil
            }
            let requests = ours(receiver.requests)
            let accepted = ours(receiver.accepted)
            #expect(delivered?.count == total, "delivered \(acceptedKeys().count) of \(total); logs in \(directory)")
            #expect(accepted.count == total)
            #expect(Set(accepted.compactMap(Self.workOrder)) == Set(updates.map(\.workOrderId)))
            let byC = try await c.deliveries()
            #expect(byA > 0 && byB > 0 && byC > 0, "every instance delivered: a \(byA), b \(byB), c \(byC)")

            // Nothing finished before a hand-over was sent again: not at B's join, not at B's stop, and after
            // the kill nothing A's changelog records showed delivered.
            var sent: [String: Int] = [:]
            for request in requests { if let key = request.idempotencyKey { sent[key, default: 0] += 1 } }
            let resentAfterJoin = beforeJoin.filter { sent[$0, default: 0] > 1 }
            let resentAfterStop = beforeStop.filter { sent[$0, default: 0] > 1 }
            #expect(resentAfterJoin.isEmpty, "sent again after B joined: \(resentAfterJoin.sorted())")
            #expect(resentAfterStop.isEmpty, "sent again after B stopped: \(resentAfterStop.sorted())")
            for key in Set(resentAfterJoin).union(resentAfterStop) {
                let at = requests.indices.filter { requests[$0].idempotencyKey == key }
                print("resent \(key) at requests \(at); join at \(requestsAtJoin), stop at \(requestsAtStop), kill at \(requestsAtKill)")
            }
            let sentBeforeKill = Set(requests.prefix(requestsAtKill).compactMap(\.idempotencyKey))
            let resentRecorded = requests.dropFirst(requestsAtKill).compactMap(\.idempotencyKey)
                .filter { sentBeforeKill.contains($0) && recordedDelivered.contains($0) }
            #expect(resentRecorded.isEmpty, "sent again though the changelog said delivered: \(resentRecorded); logs in \(directory)")
            for key in resentRecorded {
                print("resent after the kill \(key) at requests \(requests.indices.filter { requests[$0].idempotencyKey == key }); kill at \(requestsAtKill)")
            }
            // Repeats come only from the kill: what A had under way when it died (of the partitions it owned then),
            // sent once more by its replacement with the same key and the same body, and dropped by the receiver.
            // The graceful hand-overs (B's and C's joins, B's stop, A's replacement joining) repeat nothing.
            let partitionOf = try Self.changelogPartitions(broker.address)
            var badRepeats: [String] = []
            for (key, count) in sent where count > 1 {
                let at = requests.indices.filter { requests[$0].idempotencyKey == key }
                let partition = partitionOf[key]
                if count != 2 || at.last! < requestsAtKill || !(partition.map(killedOwned.contains) ?? false) {
                    badRepeats.append("\(key) (partition \(partition.map(String.init) ?? "?")) at requests \(at)")
                }
            }
            #expect(badRepeats.isEmpty, """
                sent again other than once after the kill of A (partitions \(killedOwned.sorted())): \(badRepeats); \
                join at \(requestsAtJoin), stop at \(requestsAtStop), kill at \(requestsAtKill); logs in \(directory)
                """)
            let repeats = requests.filter(\.repeated)
            for repeated in repeats {
                #expect(accepted.first { $0.idempotencyKey == repeated.idempotencyKey }?.body == repeated.body)
            }
            print("scale test: \(total) sheets; \(beforeJoin.count) delivered before B joined, \(beforeStop.count) before B stopped, "
                  + "\(atKill.count) before A was killed (\(recordedDelivered.count) delivered records in the changelog then); "
                  + "\(repeats.count) repeats dropped by key; by A \(Int(byA)) before its kill, by B \(Int(byB)) before its stop, by C \(Int(byC))")

            // Each sheet is delivered in the state of the instance that owns its partition now (A's and B's
            // replacements restored theirs from empty disks). An instance may keep an older copy of a partition it
            // gave up (the API says so: docs/notifications.md), so the owner is asked.
            let token = try apiToken(of: "centre", configDirectory: directory + "/config")
            let owners = try [a2, b2, c].map { instance in (instance, try Self.lastAssignment(log: "\(directory)/\(instance.id).log")) }
            #expect(owners.map(\.1.count).reduce(0, +) == 6 && Set(owners.flatMap(\.1)) == Set(0..<6),
                    "assignments: \(owners.map { "\($0.0.id): \($0.1.sorted())" })")
            for update in updates.prefix(60) {
                let sheet = try #require(accepted.first { Self.workOrder(of: $0) == update.workOrderId }?.idempotencyKey)
                let partition = try #require(partitionOf[sheet], "\(sheet) is not in the changelog")
                let owner = try #require(owners.first { $0.1.contains(partition) }?.0, "nobody owns partition \(partition)")
                let (_, body) = try await owner.get("/v1/notifications?workOrder=\(update.workOrderId)", token: token)
                let items = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["items"] as? [[String: Any]] ?? []
                let status = items.first { $0["notificationId"] as? String == sheet }?["status"] as? String
                #expect(status == "delivered", "\(sheet) on \(owner.id), the owner of partition \(partition): \(status ?? "absent")")
            }

            for instance in [a2, b2, c] { #expect(ServiceProcess.terminate(instance.process) == 0, "\(instance.id) did not stop gracefully") }
            // The logs stay for a failed run (the messages above name the directory), and with TEST_KEEP_BROKER_DATA.
            if delivered?.count == total, resentRecorded.isEmpty, badRepeats.isEmpty,
               ProcessInfo.processInfo.environment["TEST_KEEP_BROKER_DATA"] == nil {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }

        /// The partitions of `workorders.updates` in the last assignment a service's log shows.
        static func lastAssignment(log path: String) throws -> Set<Int32> {
            let log = try String(contentsOfFile: path, encoding: .utf8)
            let line = try #require(log.split(separator: "\n").last { $0.contains("Partitions assigned") }, "no assignment in \(path)")
            return Set(line.matches(of: /workorders\.updates\/(\d+)/).compactMap { Int32($0.output.1) })
        }

        /// Each notification's state partition, from its records in the changelog.
        static func changelogPartitions(_ bootstrap: String) throws -> [String: Int32] {
            var partitions: [String: Int32] = [:]
            for line in try kcatLines(bootstrap, topic: Topics.notificationChangelog, format: "%p %k") {
                let parts = line.split(separator: " ", maxSplits: 1)
                if parts.count == 2, let partition = Int32(parts[0]) { partitions[String(parts[1])] = partition }
            }
            return partitions
        }
    }
}
