import Foundation
import MinshengPlatform

/// Starting and stopping one of the package's executables as a process, for the tests that run them.
enum ServiceProcess {
    /// Starts `service` with the test run's environment (less any MINSHENG_* variable) plus the local
    /// settings every test process uses (loopback, `port`, idle pause on, demo mode) and `settings`; output goes to
    /// the end of `log`.
    static func launch(_ service: ServiceName, bootstrap: String, port: Int, settings: [String: String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServiceStack.binDirectory + "/" + service.executableName)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MINSHENG_") }
        environment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
        environment["HTTP_HOST"] = "127.0.0.1"
        environment["HTTP_PORT"] = "\(port)"
        environment["KAFKA_IDLE_PAUSE_MS"] = "100"
        environment["LOG_LEVEL"] = "info"
        // The shipped config's public demo tokens and http webhooks work only in demo mode.
        environment["MINSHENG_DEMO_MODE"] = "true"
        environment.merge(settings) { _, new in new }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = FileHandle(forWritingAtPath: log)
        handle?.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// SIGTERM (if still running), up to 40 s for a graceful exit, then SIGKILL; the exit status.
    @discardableResult
    static func terminate(_ process: Process) -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(40)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }
}
