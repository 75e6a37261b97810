import Foundation

/// Runs `minsheng-ctl` (the built executable) against a broker and collects what it printed.
enum CtlProcess {
    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    static var executable: String { ServiceStack.binDirectory + "/minsheng-ctl" }

    static func run(_ arguments: [String], bootstrap: String) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MINSHENG_") }
        environment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
        process.environment = environment
        let directory = NSTemporaryDirectory() + "minsheng-ctl-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: directory + "/out", contents: nil)
        FileManager.default.createFile(atPath: directory + "/err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: directory + "/out")
        process.standardError = FileHandle(forWritingAtPath: directory + "/err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            output: try String(contentsOfFile: directory + "/out", encoding: .utf8),
            errors: try String(contentsOfFile: directory + "/err", encoding: .utf8))
    }

    /// Starts `minsheng-ctl` in the background (for `lag --serve`); the caller terminates it.
    static func launch(_ arguments: [String], bootstrap: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MINSHENG_") }
        environment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
        process.environment = environment
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        return process
    }
}
