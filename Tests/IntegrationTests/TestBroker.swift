import Foundation
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
