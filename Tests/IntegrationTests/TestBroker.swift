import Foundation
import MinshengKafka
import Testing

/// The real broker the test command starts (scripts/test exports its address). Without it the broker
/// tests are skipped, unless TEST_REQUIRE_BROKER is set, when they fail.
enum TestBroker {
    static let bootstrapServers = ProcessInfo.processInfo.environment["TEST_KAFKA_BOOTSTRAP_SERVERS"]
    static let required = ProcessInfo.processInfo.environment["TEST_REQUIRE_BROKER"] != nil
    static var enabled: Bool { bootstrapServers != nil || required }

    static func address() throws -> String {
        try #require(bootstrapServers, "TEST_KAFKA_BOOTSTRAP_SERVERS is not set: run the tests with scripts/test")
    }

    /// The configuration of a client named `client` of the test broker.
    static func configuration(_ client: String) throws -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: try address(), clientId: client)
    }

    /// A topic name no other test uses.
    static func uniqueTopic(_ name: String) -> String {
        "it.\(name).\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually<T>(
    timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(250), _ condition: () async throws -> T?
) async throws -> T? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = try await condition() { return value }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// A broker of a test's own (noida-db from the repo's `.venv`, as scripts/test installs it), for tests
/// whose messages must not meet other tests' on the shared broker's fixed topics: the services' topic
/// names and work-order numbers are the same in every run.
final class PrivateBroker: Sendable {
    let address: String
    private let directory: String

    static var executable: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".venv/bin/noida-db").path
    }

    private init(address: String, directory: String) {
        self.address = address
        self.directory = directory
    }

    static func start() async throws -> PrivateBroker {
        let directory = NSTemporaryDirectory() + "minsheng-broker-" + UUID().uuidString.prefix(8)
        let port = try freePort()
        try run(["up", "--data-dir", directory, "--only", "kafka", "--kafka-port", "\(port)", "--host", "127.0.0.1"])
        let broker = PrivateBroker(address: "127.0.0.1:\(port)", directory: directory)
        let up = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            try? Self.answers(broker.address) ? true : nil
        }
        try #require(up == true, "the private broker on port \(port) did not answer; see \(directory)")
        return broker
    }

    /// Stops the broker and deletes its data.
    func stop() {
        try? Self.run(["down", "--data-dir", directory])
        // TEST_KEEP_BROKER_DATA=1 keeps the broker's directory (its log) to look at after a failure.
        if ProcessInfo.processInfo.environment["TEST_KEEP_BROKER_DATA"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "noida-db \(arguments.joined(separator: " ")) failed")
    }

    /// Whether the broker answers a metadata request (kcat -L).
    private static func answers(_ address: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        process.arguments = ["-L", "-b", address, "-m", "2"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
