import ArgumentParser
import Foundation
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// `minsheng-ctl lag`: every Minsheng consumer group as the broker sees it.
struct LagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Consumer lag of every Minsheng group, read from the broker, with a Burrow-style status.",
        discussion: """
            Reads each group's committed offsets and each partition's end offset from the broker (not from the \
            services), samples them --samples times --interval apart and judges every partition over the \
            sliding window: OK, WARNING (lag keeps growing), STALLED (a live member's offset does not move \
            while lag > 0), STOPPED (no commit for longer than usual while lag > 0), ERROR. \
            A status followed by ? had too few samples to judge.
            """)

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .customLong("group"), help: "Only this group (repeatable); default: every minsheng- group")
    var groups: [String] = []

    @Option(help: "Samples to take before printing (one-shot)")
    var samples = 4

    @Option(help: "Seconds between samples")
    var interval: Double = 1

    @Option(help: "Commits kept per partition (Burrow's intervals)")
    var window = 10

    @Option(name: .customLong("allowed-lag"), help: "Lag that still counts as caught up")
    var allowedLag: Int64 = 0

    @Flag(help: "Refresh until interrupted")
    var watch = false

    @Flag(help: "Print JSON instead of a table")
    var json = false

    @Option(help: "Serve the figures for Prometheus on this port (GET /metrics) until SIGTERM")
    var serve: Int?

    @Option(name: .customLong("host"), help: "Address to bind with --serve")
    var host = "0.0.0.0"

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard interval > 0 else { throw ValidationError("--interval must be above 0") }
        guard window >= 2 else { throw ValidationError("--window must be at least 2") }
        if let serve, !(0...65535).contains(serve) { throw ValidationError("--serve needs a port 0-65535") }
    }

    func run() async throws {
        Observability.bootstrap(logLevel: .warning)
        let reader = LagReader(admin: try kafka.admin(), groupIds: groups, expectedTopics: Self.expectedTopics)
        var monitor = makeMonitor()
        if let serve {
            try await LagExporter(reader: reader, monitor: monitor, interval: .milliseconds(Int(interval * 1000)),
                                  host: host, port: serve).run()
            return
        }
        var report: LagReport?
        var taken = 0
        while true {
            report = monitor.observe(try await reader.read())
            taken += 1
            if watch {
                print("\u{1B}[H\u{1B}[2J" + header(report!) + render(report!), terminator: "")
                fflush(nil)
            } else if taken >= samples {
                break
            }
            try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
        print(render(report!), terminator: json ? "\n" : "")
    }

    func makeMonitor() -> LagMonitor {
        LagMonitor(
            evaluator: LagEvaluator(rules: .init(
                allowedLag: allowedLag, minimumSilence: max(2, 2 * interval), minimumSamples: 3)),
            capacity: window)
    }

    private func header(_ report: LagReport) -> String {
        "minsheng-ctl lag — \(MessageCoding.formatTimestamp(report.at)) — every \(interval)s, Ctrl-C to stop\n\n"
    }

    private func render(_ report: LagReport) -> String {
        if json {
            let encoder = MessageCoding.encoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return (try? String(decoding: encoder.encode(report), as: UTF8.self)) ?? "{}"
        }
        return LagTable.render(report)
    }

    /// Each service's group and the catalogue topics it reads.
    static var expectedTopics: [String: [String]] {
        Dictionary(uniqueKeysWithValues: ServiceName.allCases.map { ($0.consumerGroup, TopicCatalog.topicsRead(by: $0)) })
    }
}
