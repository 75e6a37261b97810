import Foundation
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ServiceStacks {
    /// `minsheng-ctl` against a real broker: lag read from the broker, topics, dead letters, sending.
    @Suite("minsheng-ctl against the broker", .enabled(if: TestBroker.enabled), .serialized)
    struct OperationsTests {
        let logger = Logger(label: "test.operations")

        /// N messages published after a group's consumers stopped show as lag N, and the group as STOPPED;
        /// a group whose live member stopped advancing shows as STALLED.
        @Test(.timeLimit(.minutes(3))) func lagOfAStoppedGroupEqualsTheUnconsumedMessages() async throws {
            let bootstrap = try TestBroker.address()
            let configuration = KafkaConfiguration(bootstrapServers: bootstrap, clientId: "it-lag")
            let topic = TestBroker.uniqueTopic("lag")
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let stopped = "minsheng-it-stopped-\(suffix)"
            let stalled = "minsheng-it-stalled-\(suffix)"
            let admin = try KafkaAdmin(configuration: configuration)
            #expect(try await admin.createTopics([TopicSpec(name: topic, partitions: 1)]) == [topic: .created])
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            for index in 0..<5 { _ = try await producer.send(topic: topic, key: Array("k\(index)".utf8), value: Array("m\(index)".utf8)) }

            // `stopped` consumes all five and stops: closing commits and leaves the group. (The eager
            // assignor: on the local broker a cooperative-sticky member that closes stays registered.)
            var eager = configuration
            eager["partition.assignment.strategy"] = "range"
            let consumer = try KafkaConsumer(
                configuration: eager, options: .init(groupId: stopped, instanceId: nil, topics: [topic]), logger: logger)
            try await consume(consumer, count: 5)
            await consumer.close()
            #expect(try await admin.committedOffsets(groupId: stopped) == [TopicPartition(topic: topic, partition: 0): 5])
            // `stalled` reads two and then stops advancing, but its member stays in the group.
            let stuck = try KafkaConsumer(
                configuration: configuration, options: .init(groupId: stalled, instanceId: nil, topics: [topic]), logger: logger)
            try await consume(stuck, count: 2)
            try await stuck.commit()

            let unconsumed = 7
            for index in 0..<unconsumed { _ = try await producer.send(topic: topic, key: Array("n\(index)".utf8), value: Array("n".utf8)) }
            await producer.close()

            let outcome = try CtlProcess.run(
                ["lag", "--group", stopped, "--group", stalled, "--json", "--samples", "4", "--interval", "1"], bootstrap: bootstrap)
            await stuck.close()
            try #require(outcome.status == 0, "minsheng-ctl lag failed: \(outcome.errors)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
            let groups = try #require(report["groups"] as? [[String: Any]])
            #expect(groups.map { $0["group"] as? String } == [stalled, stopped])
            let stoppedRows = try #require(groups.last?["partitions"] as? [[String: Any]])
            try #require(stoppedRows.count == 1)
            #expect(stoppedRows[0]["topic"] as? String == topic)
            #expect(stoppedRows[0]["committed"] as? Int == 5)
            #expect(stoppedRows[0]["end"] as? Int == 5 + unconsumed)
            #expect(stoppedRows[0]["lag"] as? Int == unconsumed)
            #expect(stoppedRows[0]["owner"] == nil)
            #expect(stoppedRows[0]["status"] as? String == "STOPPED", "\(stoppedRows[0])")
            #expect(groups.last?["totalLag"] as? Int == unconsumed)
            #expect(groups.last?["status"] as? String == "STOPPED")

            let stalledRows = try #require(groups.first?["partitions"] as? [[String: Any]])
            try #require(stalledRows.count == 1)
            #expect(stalledRows[0]["committed"] as? Int == 2)
            #expect(stalledRows[0]["lag"] as? Int == 3 + unconsumed)
            #expect((stalledRows[0]["owner"] as? String)?.hasSuffix("/127.0.0.1") == true)
            #expect(stalledRows[0]["status"] as? String == "STALLED", "\(stalledRows[0])")

            let table = try CtlProcess.run(["lag", "--group", stopped, "--samples", "1"], bootstrap: bootstrap)
            #expect(table.status == 0)
            #expect(table.output.contains("GROUP \(stopped)"))
            #expect(table.output.contains("\(topic)  0          5          12   7"), "\(table.output)")
        }

        /// Reads `count` messages and stores their offsets (committed within a second by auto-commit).
        private func consume(_ consumer: KafkaConsumer, count: Int) async throws {
            var read = 0
            for try await message in consumer {
                try consumer.storeOffset(of: message)
                read += 1
                if read == count { break }
            }
        }

        @Test(.timeLimit(.minutes(3))) func topicsCreateMakesTheBrokerMatchTheCatalogue() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: broker.address, clientId: "it-topics"))
            // A dead-letter topic made the old way: the broker's default retention.
            _ = try await admin.createTopics([TopicSpec(name: "intake.dlq", partitions: 1)])

            let before = try CtlProcess.run(["topics", "check"], bootstrap: broker.address)
            #expect(before.status == 1)
            #expect(before.output.contains("events.accepted"))
            #expect(before.output.contains("MISSING"))
            #expect(before.output.contains("retention.ms="), "\(before.output)")

            let created = try CtlProcess.run(["topics", "create"], bootstrap: broker.address)
            #expect(created.status == 1, "intake.dlq still has the default retention: \(created.output)")
            #expect(created.output.contains("created events.accepted"))
            let counts = try await admin.topicPartitionCounts()
            for entry in TopicCatalog.entries { #expect(counts[entry.name] == entry.spec.partitions, "\(entry.name)") }

            let altered = try CtlProcess.run(["topics", "create", "--alter"], bootstrap: broker.address)
            #expect(altered.status == 0, "\(altered.output) \(altered.errors)")
            #expect(altered.output.contains("set the settings of intake.dlq"))
            let retention = "\(TopicCatalog.deadLetterRetentionMilliseconds)"
            let configs = try await admin.topicConfigs(ServiceName.allCases.map { Topics.deadLetter(service: $0.rawValue) })
            for service in ServiceName.allCases {
                #expect(configs[Topics.deadLetter(service: service.rawValue)]?["retention.ms"]?.value == retention)
            }
            let after = try CtlProcess.run(["topics", "check"], bootstrap: broker.address)
            #expect(after.status == 0, "\(after.output)")
        }

        @Test(.timeLimit(.minutes(3))) func deadLettersAreListedShownAndReplayedWithTheirOriginalKey() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            #expect(try CtlProcess.run(["topics", "create"], bootstrap: broker.address).status == 0)
            let configuration = KafkaConfiguration(bootstrapServers: broker.address, clientId: "it-dlq")
            let original = Array(#"{"schemaVersion":9,"eventId":"ev-1"}"#.utf8)
            let letter = DeadLetter(
                eventId: "ev-1", service: "classification", topic: Topics.eventsAccepted, partition: 3, offset: 9, key: "ev-1",
                reason: "unprocessable: schemaVersion 9 is unknown", attempts: 1, original: original, failedAt: Date())
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            _ = try await producer.send(topic: "classification.dlq", key: Array("ev-1".utf8), value: try MessageCoding.encode(letter))
            _ = try await producer.send(topic: "classification.dlq", key: nil, value: Array("not json".utf8))
            await producer.close()

            let list = try CtlProcess.run(["dlq", "list", "classification"], bootstrap: broker.address)
            #expect(list.status == 0, "\(list.errors)")
            #expect(list.output.contains("2 dead letter(s) on classification.dlq"))
            #expect(list.output.contains("0:0"))
            #expect(list.output.contains("events.accepted/3/9"))
            #expect(list.output.contains("schemaVersion 9 is unknown"))
            #expect(list.output.contains("0:1  unreadable"))

            let show = try CtlProcess.run(["dlq", "show", "classification", "0:0"], bootstrap: broker.address)
            #expect(show.status == 0)
            #expect(show.output.contains(#"{"schemaVersion":9,"eventId":"ev-1"}"#))

            #expect(try CtlProcess.run(["dlq", "replay", "classification"], bootstrap: broker.address).status != 0)
            #expect(try CtlProcess.run(["dlq", "list", "nobody"], bootstrap: broker.address).status != 0)
            let dry = try CtlProcess.run(["dlq", "replay", "classification", "--all", "--dry-run"], bootstrap: broker.address)
            #expect(dry.output.contains("would replay 0:0 → events.accepted key ev-1"))
            #expect(try await KafkaTopicReader.readAll(topic: Topics.eventsAccepted, configuration: configuration).isEmpty)

            let replay = try CtlProcess.run(["dlq", "replay", "classification", "--all"], bootstrap: broker.address)
            #expect(replay.status == 0, "\(replay.errors)")
            #expect(replay.output.contains("replayed 0:0 → events.accepted/"))
            #expect(replay.errors.contains("skipping 0:1"))
            let republished = try await KafkaTopicReader.readAll(topic: Topics.eventsAccepted, configuration: configuration)
            #expect(republished.count == 1)
            #expect(republished.first?.keyString == "ev-1")
            #expect(republished.first?.value == original)
        }

        @Test(.timeLimit(.minutes(3))) func sendPublishesEveryLineKeyedByItsIdAndRefusesABadFileWhole() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            #expect(try CtlProcess.run(["topics", "create"], bootstrap: broker.address).status == 0)
            let directory = NSTemporaryDirectory() + "minsheng-send-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let lines = (1...3).map { #"{"id":"s-\#($0)","occurredAt":"2026-11-23T09:41:00+08:00","text":"噪音扰民 \#($0)"}"# }
            try (lines.joined(separator: "\n") + "\n\n").write(toFile: directory + "/good.jsonl", atomically: true, encoding: .utf8)
            try (lines[0] + "\n{not json\n").write(toFile: directory + "/bad.jsonl", atomically: true, encoding: .utf8)

            let sent = try CtlProcess.run(["send", "hotline12345", directory + "/good.jsonl"], bootstrap: broker.address)
            #expect(sent.status == 0, "\(sent.errors)")
            #expect(sent.output.contains("sent 3 of 3 event(s) to intake.hotline12345"))
            let bad = try CtlProcess.run(["send", "hotline12345", directory + "/bad.jsonl"], bootstrap: broker.address)
            #expect(bad.status != 0)
            #expect(bad.errors.contains("line 2 is not a JSON object; nothing was sent"))
            #expect(try CtlProcess.run(["send", "walkin", directory + "/good.jsonl"], bootstrap: broker.address).status != 0)

            let configuration = KafkaConfiguration(bootstrapServers: broker.address, clientId: "it-send")
            let messages = try await KafkaTopicReader.readAll(topic: "intake.hotline12345", configuration: configuration)
            #expect(Set(messages.compactMap(\.keyString)) == ["s-1", "s-2", "s-3"])
            #expect(Set(messages.map { String(decoding: $0.value, as: UTF8.self) }) == Set(lines))
        }

        /// `tail --from beginning -e` prints everything kept and stops; `tail` from the end prints only what
        /// comes later, in the format asked for, and stops after --count.
        @Test(.timeLimit(.minutes(3))) func tailPrintsWhatIsKeptOrWhatComesLater() async throws {
            let bootstrap = try TestBroker.address()
            let configuration = KafkaConfiguration(bootstrapServers: bootstrap, clientId: "it-tail")
            let topics = [TestBroker.uniqueTopic("tail-a"), TestBroker.uniqueTopic("tail-b")]
            let admin = try KafkaAdmin(configuration: configuration)
            _ = try await admin.createTopics(topics.map { TopicSpec(name: $0, partitions: 3) })
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            for index in 0..<10 {
                _ = try await producer.send(topic: topics[index % 2], key: Array("k\(index)".utf8), value: Array("早\(index)".utf8))
            }

            let kept = try CtlProcess.run(["tail"] + topics + ["--from", "beginning", "-e", "--format", "%k=%s"], bootstrap: bootstrap)
            #expect(kept.status == 0, "\(kept.errors)")
            #expect(Set(kept.output.split(separator: "\n").map(String.init)) == Set((0..<10).map { "k\($0)=早\($0)" }))
            #expect(kept.output.split(separator: "\n").count == 10)

            let directory = NSTemporaryDirectory() + "minsheng-tail-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let later = try CtlProcess.launch(["tail", topics[0], "--count", "3", "--format", "%t %k %T"], bootstrap: bootstrap,
                                              log: directory + "/tail.out")
            defer { if later.isRunning { later.terminate() } }
            try await Task.sleep(for: .seconds(3))  // it follows from the end as it is now
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            for index in 10..<14 {
                _ = try await producer.send(topic: topics[0], key: Array("k\(index)".utf8), value: Array("晚".utf8))
            }
            await producer.close()
            let deadline = Date().addingTimeInterval(30)
            while later.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!later.isRunning, "tail --count 3 did not stop")
            let lines = try String(contentsOfFile: directory + "/tail.out", encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == 3, "\(lines)")
            for line in lines {
                let parts = line.split(separator: " ")
                #expect(parts.count == 3 && parts[0] == topics[0] && ["k10", "k11", "k12", "k13"].contains(String(parts[1])), "\(line)")
                #expect((Int64(parts.last ?? "") ?? 0) >= before - 1000, "\(line): a timestamp of the send")
            }
        }
    }
}
