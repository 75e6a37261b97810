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
    /// The real `/metrics` of the four running services and of the lag exporter: `promtool check metrics`
    /// accepts each, every family has a description, and every metric the Grafana dashboard and the alert
    /// rules query is one of them.
    @Suite("Monitoring against the running services", .enabled(if: TestBroker.enabled), .serialized)
    struct MonitoringTests {
        /// Metrics that dashboards and alerts use but that appear only after a rare event this test does not
        /// cause (an outbox row that can never be published). Accepted while absent, as a known issue.
        static let rareMetrics: Set<String> = ["minsheng_outbox_parked_total"]

        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path

        @Test(.timeLimit(.minutes(5))) func servicesAndLagExporterServeCleanMetricsThatTheDashboardAndAlertsUse() async throws {
            // A broker of its own: another stack on the shared broker would join the same consumer groups.
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let bootstrap = broker.address
            let stack = try await ServiceStack.start(bootstrap: bootstrap)
            defer { stack.stopAll() }

            // Traffic, so that labelled series exist: one event through the whole flow, one refused request.
            let id = "ops-\(UUID().uuidString.prefix(8))"
            let event = #"{"id":"\#(id)","occurredAt":"2026-11-23T09:41:00+08:00","text":"东湖社区楼下烧烤店晚上油烟很大，熏得家里没法开窗","requestType":"complaint","reporter":{"name":"李先生","phone":"13800000002"},"address":"平湖市当湖街道东湖社区"}"#
            #expect(try await Self.post(port: stack.ports[.intake]!, path: "/v1/events/hotline12345", body: event) == 202)
            #expect(try await Self.post(port: stack.ports[.intake]!, path: "/v1/events/hotline12345", body: "{") == 400)
            // A message classification cannot process (an unknown schema version): a dead letter.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, clientId: "it-monitoring"),
                                             logger: Logger(label: "test.monitoring"))
            _ = try await producer.send(topic: Topics.eventsAccepted, key: Array(id.utf8), value: Array(#"{"schemaVersion":99}"#.utf8))
            await producer.close()
            let deadLettered = try await eventually(timeout: .seconds(60)) {
                try await stack.metricText(.classification).contains("minsheng_dead_letters_total{") ? true : nil
            }
            #expect(deadLettered == true, "no dead letter was counted")
            let delivered = try await eventually(timeout: .seconds(90)) {
                try await stack.metricText(.notification).contains("minsheng_notification_deliveries_total{") ? true : nil
            }
            #expect(delivered == true, "no delivery attempt was counted")

            var emitted: [String: String] = [:]  // metric family → type
            for service in ServiceName.pipeline {
                let text = try await stack.metricText(service)
                #expect(try Self.promtool(text) == "", "\(service.rawValue)")
                #expect(!text.contains(MetricDescriptions.undocumentedMarker), "\(service.rawValue): \(text.split(separator: "\n").filter { $0.contains(MetricDescriptions.undocumentedMarker) })")
                emitted.merge(Self.families(text)) { first, _ in first }
            }
            #expect(try await stack.metricText(.intake).contains(#"minsheng_http_requests_total{route="/v1/events/{source}",method="POST",status="400"}"#))
            #expect(try await stack.metricText(.dispatch).contains(#"minsheng_workorders{status="dispatched"}"#))

            // The lag exporter, reading the same broker.
            let port = try freePort()
            let exporter = try CtlProcess.launch(["lag", "--serve", "\(port)", "--host", "127.0.0.1", "--interval", "1"],
                                                 bootstrap: bootstrap, log: stack.directory + "/lag-exporter.log")
            defer { ServiceProcess.terminate(exporter) }
            let exported = try await eventually(timeout: .seconds(30)) { () -> String? in
                guard let text = try? await Self.get(port: port, path: "/metrics"),
                      text.contains(#"minsheng_consumergroup_group_status{group="minsheng-dispatch"}"#) else { return nil }
                return text
            }
            let lagText = try #require(exported, "the lag exporter did not serve the dispatch group; log: \(stack.directory)/lag-exporter.log")
            #expect(try Self.promtool(lagText) == "")
            #expect(lagText.contains(#"kafka_consumergroup_lag{group="minsheng-classification",topic="events.accepted",partition="0"}"#))
            emitted.merge(Self.families(lagText)) { first, _ in first }
            #expect(ServiceProcess.terminate(exporter) == 0, "the exporter did not stop cleanly on SIGTERM")

            // Every metric the dashboard and the alert rules name.
            let dashboard = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Self.root + "/deploy/grafana/dashboards/minsheng.json"))) as? [String: Any]
            let panels = try #require(dashboard?["panels"] as? [[String: Any]])
            var queried: [(String, String)] = []  // (where, metric)
            for panel in panels {
                let targets = try #require(panel["targets"] as? [[String: Any]], "panel \(panel["title"] ?? "?") has no query")
                #expect(!targets.isEmpty)
                for target in targets {
                    for metric in Self.metricNames(in: try #require(target["expr"] as? String)) {
                        queried.append(("panel \(panel["title"] as? String ?? "?")", metric))
                    }
                }
            }
            let rules = try String(contentsOfFile: Self.root + "/deploy/prometheus/alerts.yml", encoding: .utf8)
            for line in rules.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("expr:") {
                for metric in Self.metricNames(in: String(line)) { queried.append(("alert rule \(line)", metric)) }
            }
            #expect(queried.count > 20)
            var pendingUsed = Set<String>()
            for (place, metric) in queried {
                let family = Self.family(of: metric, known: emitted, pending: Self.rareMetrics)
                if emitted[family] != nil || family == "up" { continue }  // `up`: Prometheus's own, per target
                if Self.rareMetrics.contains(family) {
                    pendingUsed.insert(family)
                    continue
                }
                Issue.record("\(place) queries \(metric), which no service and not the lag exporter emits")
            }
            withKnownIssue("metrics of rare events, not caused here: \(pendingUsed.sorted())") {
                for family in pendingUsed.sorted() where emitted[family] == nil {
                    Issue.record("\(family) is not emitted yet")
                }
            }
        }

        /// Metric names in a PromQL expression: our families all start with `minsheng_` or `kafka_`; `up` too.
        static func metricNames(in expression: String) -> Set<String> {
            var names = Set<String>()
            let pattern = try! NSRegularExpression(pattern: #"\b(minsheng_[a-z0-9_]+|kafka_[a-z0-9_]+|up)\b(?!\s*\()"#)
            let range = NSRange(expression.startIndex..., in: expression)
            for match in pattern.matches(in: expression, range: range) {
                let name = String(expression[Range(match.range(at: 1), in: expression)!])
                // Inside quotes it is a label value (job="minsheng-lag" has a dash, but be safe), not a metric.
                let before = expression[..<Range(match.range, in: expression)!.lowerBound]
                if before.last == "\"" || before.filter({ $0 == "\"" }).count % 2 == 1 { continue }
                names.insert(name)
            }
            return names
        }

        /// The family a sample name belongs to: histogram series end in _bucket, _sum, _count.
        static func family(of metric: String, known: [String: String], pending: Set<String>) -> String {
            for suffix in ["_bucket", "_sum", "_count"] where metric.hasSuffix(suffix) {
                let base = String(metric.dropLast(suffix.count))
                if known[base] == "histogram" || known[base] == "summary" || pending.contains(base) { return base }
            }
            return metric
        }

        /// Families and their types from `# TYPE` lines.
        static func families(_ text: String) -> [String: String] {
            var result: [String: String] = [:]
            for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count >= 4 { result[String(parts[2])] = String(parts[3]) }
            }
            return result
        }

        static func promtool(_ text: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"),
                         "promtool is missing: run `source scripts/lib.sh; ensure_system_packages` (Debian package prometheus)")
            process.arguments = ["check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try input.fileHandleForWriting.close()
            let result = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return PromtoolLint.complaints(status: process.terminationStatus, output: result)
        }

        static func post(port: Int, path: String, body: String) async throws -> Int {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("Bearer \(DemoToken.sender("hotline12345"))", forHTTPHeaderField: "Authorization")
            request.httpBody = Data(body.utf8)
            let (_, response) = try await URLSession.shared.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }

        static func get(port: Int, path: String) async throws -> String {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            return String(decoding: data, as: UTF8.self)
        }
    }
}

extension ServiceStack {
    /// The whole `/metrics` text of `service`.
    func metricText(_ service: ServiceName) async throws -> String {
        String(decoding: try await get(service, "/metrics").body, as: UTF8.self)
    }
}

/// What `promtool check metrics` objected to, less the one lint the Kafka exporters' convention
/// requires: `kafka_consumergroup_lag_sum` is a gauge whose name ends in `_sum` (kafka_exporter's
/// name, which dashboards and alerts everywhere use). Exit 3 is lint only; any other failure is kept whole.
enum PromtoolLint {
    static let acceptedLint = #"kafka_consumergroup_lag_sum non-histogram and non-summary metrics should not have "_sum" suffix"#

    static func complaints(status: Int32, output: String) -> String {
        if status == 0 { return "" }
        guard status == 3 else { return "exit \(status): \(output)" }
        let remaining = output.split(separator: "\n").filter { !$0.isEmpty && $0 != acceptedLint[...] }
        return remaining.isEmpty ? "" : "exit 3: " + remaining.joined(separator: "\n")
    }
}
