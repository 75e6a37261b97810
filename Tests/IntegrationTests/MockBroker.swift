import Foundation
import Synchronization
import Testing

/// librdkafka's mock cluster as a broker process (`minsheng-mockbroker`), for the faults the local
/// broker cannot show honestly: a broker set down and up keeps its log, request errors and slow
/// responses on demand. It keeps everything in memory and does not create topics on request: the test
/// creates them (`topic`), and services run with `KAFKA_CREATE_TOPICS=false`.
final class MockBroker: Sendable {
    let address: String
    private let process: Process
    private let input: FileHandle
    private let output: LineReader

    /// Every topic the services use, with `partitions` each.
    static let serviceTopics = [
        "intake.hotline12345", "intake.police110", "intake.web", "intake.grid", "events.accepted", "events.rejected",
        "events.classified", "police110.returns", "workorders.updates", "notifications.deliveries", "alerts.hotspots",
        "notification.deliveries.changelog", "intake.dlq", "classification.dlq", "dispatch.dlq", "notification.dlq",
    ]

    private init(address: String, process: Process, input: FileHandle, output: LineReader) {
        self.address = address
        self.process = process
        self.input = input
        self.output = output
    }

    static func start(topics: [String] = serviceTopics, partitions: Int = 3, brokers: Int = 1) async throws -> MockBroker {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServiceStack.binDirectory + "/minsheng-mockbroker")
        process.arguments = ["\(brokers)"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = LineReader(stdout.fileHandleForReading)
        let first = try #require(reader.next(timeout: 10), "minsheng-mockbroker did not start")
        try #require(first.hasPrefix("bootstrap "), "minsheng-mockbroker said \(first)")
        let broker = MockBroker(address: String(first.dropFirst("bootstrap ".count)), process: process,
                                input: stdin.fileHandleForWriting, output: reader)
        for topic in topics { try broker.command("topic \(topic) \(partitions)") }
        return broker
    }

    /// Sends one command and requires `ok`.
    func command(_ line: String) throws {
        input.write(Data((line + "\n").utf8))
        let answer = output.next(timeout: 10)
        try #require(answer == "ok", "mock broker: \(line) → \(answer ?? "no answer")")
    }

    func stop() {
        try? input.write(contentsOf: Data("quit\n".utf8))
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
    }
}

/// Lines from a pipe, read on a thread of their own.
final class LineReader: Sendable {
    private let lines = Mutex<[String]>([])

    init(_ handle: FileHandle) {
        let box = self
        Thread {
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    box.lines.withLock { $0.append(line) }
                }
            }
        }.start()
    }

    func next(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = lines.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return line }
            usleep(10_000)
        }
        return nil
    }
}
