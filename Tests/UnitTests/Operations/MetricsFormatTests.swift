import Foundation
import MinshengPlatform
import Testing
@testable import MinshengCtl

/// The Prometheus text the services and the lag exporter serve: HELP and TYPE for every family, and
/// `promtool check metrics` accepts it.
@Suite("Metrics text format")
struct MetricsFormatTests {
    /// Runs `promtool check metrics` on `text`; returns its complaints (empty: clean).
    static func promtoolComplaints(_ text: String) throws -> String {
        let promtool = try #require(
            ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "promtool is missing: run `source scripts/lib.sh; ensure_system_packages` (Debian package prometheus)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
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

    @Test func helpIsAddedBeforeEveryTypeLine() {
        let text = """
            # TYPE minsheng_messages_total counter
            minsheng_messages_total{service="intake"} 3
            # HELP minsheng_outbox_backlog Given by the registry.
            # TYPE minsheng_outbox_backlog gauge
            minsheng_outbox_backlog 0
            # TYPE something_new gauge
            something_new 1
            """
        let annotated = MetricDescriptions.withHelp(text).split(separator: "\n").map(String.init)
        #expect(annotated[0].hasPrefix("# HELP minsheng_messages_total Messages the consumer loop finished"))
        #expect(annotated.filter { $0.hasPrefix("# HELP minsheng_outbox_backlog") } == ["# HELP minsheng_outbox_backlog Given by the registry."])
        #expect(annotated.contains("# HELP something_new something_new \(MetricDescriptions.undocumentedMarker)"))
    }

    @Test func lagExpositionPassesPromtool() throws {
        let report = LagReport(at: Date(timeIntervalSince1970: 1_800_000_000), groups: [
            .init(group: "minsheng-dispatch", state: "Stable", members: 1, status: .stalled, reason: "x", totalLag: 7, partitions: [
                .init(topic: "events.classified", partition: 0, committed: 10, end: 17, lag: 7, owner: "dispatch-1/10.0.0.2",
                      status: .stalled, reason: "stays", complete: true),
                .init(topic: "events.classified", partition: 1, committed: nil, end: 0, lag: 0, owner: nil, status: .ok, reason: nil, complete: false),
            ]),
            .init(group: "minsheng-\"odd\"", state: "Dead", members: 0, status: .error, reason: "none", totalLag: 0, partitions: []),
        ])
        let text = LagExposition.render(report, readErrors: 2, lastSuccess: report.at)
        let complaints = try Self.promtoolComplaints(text)
        #expect(complaints == "", "\(complaints)")
        let lines = text.split(separator: "\n")
        #expect(lines.contains(#"kafka_consumergroup_lag{group="minsheng-dispatch",topic="events.classified",partition="0"} 7"#))
        #expect(lines.contains(#"kafka_consumergroup_lag_sum{group="minsheng-dispatch",topic="events.classified"} 7"#))
        #expect(lines.contains(#"minsheng_consumergroup_status{group="minsheng-dispatch",topic="events.classified",partition="0"} 2"#))
        #expect(lines.contains(#"kafka_topic_partition_current_offset{topic="events.classified",partition="1"} 0"#))
        #expect(lines.contains(#"minsheng_consumergroup_group_status{group="minsheng-\"odd\""} 4"#))
        // No committed offset: no current_offset sample for that partition.
        #expect(!lines.contains { $0.hasPrefix("kafka_consumergroup_current_offset") && $0.contains(#"partition="1""#) })
    }

    @Test func promtoolRejectsTextWithoutHelp() throws {
        // The check above could not pass on text promtool would refuse.
        #expect(try Self.promtoolComplaints("# TYPE x_total counter\nx_total 1\n").contains("no help text"))
    }

    /// Every executable product (but the test tools under Tests/) is built and staged by the
    /// Dockerfile's build stage.
    @Test func dockerfileStagesEveryExecutable() throws {
        let dockerfile = try String(contentsOfFile: TestSupport.root + "/Dockerfile", encoding: .utf8)
        let shipped = try Self.shippedExecutables()
        #expect(shipped == ["minsheng-classification", "minsheng-console", "minsheng-ctl", "minsheng-dispatch", "minsheng-intake",
                            "minsheng-notification"])
        let build = dockerfile.replacingOccurrences(of: "\\\n", with: " ")
        #expect(build.components(separatedBy: "--product").count <= 2, "SwiftPM builds only the last of several --product")
        for product in shipped { #expect(build.contains("\"$bin/\(product)\""), "\(product) is not staged") }
    }

    /// Executable products whose targets are not under Tests/, from `swift package dump-package`.
    static func shippedExecutables() throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A scratch path of its own: `swift test` holds the lock of the package's .build.
        process.arguments = ["swift", "package", "--package-path", TestSupport.root,
                             "--scratch-path", NSTemporaryDirectory() + "minsheng-dump-package", "dump-package"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let package = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let targets = (package["targets"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { paths, target in
            paths[target["name"] as? String ?? ""] = target["path"] as? String ?? ""
        }
        return (package["products"] as? [[String: Any]] ?? []).compactMap { product -> String? in
            guard let type = product["type"] as? [String: Any], type["executable"] != nil,
                  let name = product["name"] as? String, let productTargets = product["targets"] as? [String],
                  !productTargets.contains(where: { targets[$0]?.hasPrefix("Tests/") ?? false }) else { return nil }
            return name
        }.sorted()
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
