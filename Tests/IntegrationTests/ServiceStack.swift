import Foundation
import MinshengPlatform
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The four executables started as separate processes on free ports, with their own data
/// directories and a config whose webhooks point at an in-test receiver.
final class ServiceStack: Sendable {
    let bootstrap: String
    let directory: String
    let receiver: WebhookReceiver
    let ports: [ServiceName: Int]
    private let processes: Mutex<[ServiceName: Process]>

    private init(bootstrap: String, directory: String, receiver: WebhookReceiver, ports: [ServiceName: Int],
                 processes: [ServiceName: Process]) {
        self.bootstrap = bootstrap
        self.directory = directory
        self.receiver = receiver
        self.ports = ports
        self.processes = Mutex(processes)
    }

    /// Where `swift build` put the executables.
    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["TEST_BIN_DIR"] { return dir }
        // The test bundle sits in the same build directory as the executables.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    static func start(bootstrap: String) async throws -> ServiceStack {
        let directory = NSTemporaryDirectory() + "minsheng-e2e-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
        let receiver = WebhookReceiver(failFirst: 1)
        let receiverPort = try await receiver.start()
        try writeConfig(to: directory + "/config", webhookBase: "http://127.0.0.1:\(receiverPort)")

        var ports: [ServiceName: Int] = [:]
        var processes: [ServiceName: Process] = [:]
        for service in ServiceName.allCases {
            let port = try freePort()
            ports[service] = port
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binDirectory + "/" + service.executableName)
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MINSHENG_") }
            environment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
            environment["MINSHENG_DATA_DIR"] = "\(directory)/data/\(service.rawValue)"
            environment["MINSHENG_CONFIG_DIR"] = "\(directory)/config"
            environment["MINSHENG_INSTANCE_ID"] = "\(service.rawValue)-e2e"
            environment["HTTP_HOST"] = "127.0.0.1"
            environment["HTTP_PORT"] = "\(port)"
            environment["KAFKA_IDLE_PAUSE_MS"] = "100"
            environment["LOG_LEVEL"] = "info"
            process.environment = environment
            let log = "\(directory)/\(service.rawValue).log"
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: log)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            processes[service] = process
        }
        let stack = ServiceStack(bootstrap: bootstrap, directory: directory, receiver: receiver, ports: ports, processes: processes)
        for service in ServiceName.allCases {
            let ready = try await eventually(timeout: .seconds(60)) { try? await stack.get(service, "/readyz").status == 200 ? true : nil }
            try #require(ready == true, "\(service.executableName) did not become ready; log: \(directory)/\(service.rawValue).log")
        }
        return stack
    }

    /// SIGTERM to every process still running; waits for each and returns the exit codes.
    @discardableResult
    func stopAll() -> [ServiceName: Int32] {
        let running = processes.withLock { processes in
            defer { processes.removeAll() }
            return processes
        }
        for process in running.values where process.isRunning { process.terminate() }
        var codes: [ServiceName: Int32] = [:]
        for (service, process) in running {
            let deadline = Date().addingTimeInterval(40)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            codes[service] = process.terminationStatus
        }
        return codes
    }

    func get(_ service: ServiceName, _ path: String, token: String? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(ports[service]!)\(path)")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    func getJSON(_ service: ServiceName, _ path: String, token: String? = nil) async throws -> [String: Any] {
        let (_, body) = try await get(service, path, token: token)
        return try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
    }

    /// A unit's API token (dispatch's API) from the config the stack runs with.
    func token(of unitId: String) throws -> String {
        try apiToken(of: unitId, configDirectory: directory + "/config")
    }

    /// A sample's value from the service's /metrics, e.g. `name{label="x"}`.
    func metric(_ service: ServiceName, _ sample: String) async throws -> Double? {
        let (_, body) = try await get(service, "/metrics")
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    /// The shipped config with every unit's webhook pointed at the receiver.
    static func writeConfig(to directory: String, webhookBase: String) throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/config")
        for file in ["region.json", "routing.json", "deadlines.json", "calendar.json"] {
            try FileManager.default.copyItem(atPath: shipped.appendingPathComponent(file).path, toPath: "\(directory)/\(file)")
        }
        var units = try JSONSerialization.jsonObject(with: Data(contentsOf: shipped.appendingPathComponent("units.json"))) as! [String: Any]
        units["units"] = (units["units"] as! [[String: Any]]).map { unit in
            var unit = unit
            unit["webhook"] = "\(webhookBase)/units/\(unit["id"] as! String)"
            return unit
        }
        try JSONSerialization.data(withJSONObject: units).write(to: URL(fileURLWithPath: "\(directory)/units.json"))
    }
}

/// A unit's `apiToken` in the `units.json` of a config directory.
func apiToken(of unitId: String, configDirectory: String) throws -> String {
    let units = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configDirectory + "/units.json")))
    let unit = (units as? [String: Any])?["units"].flatMap { $0 as? [[String: Any]] }?.first { $0["id"] as? String == unitId }
    return try #require(unit?["apiToken"] as? String, "no apiToken for \(unitId) in \(configDirectory)/units.json")
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Publishes like an outside system would: with kcat, a real Kafka client.
func kcatProduce(_ bootstrap: String, topic: String, key: String?, value: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    process.arguments = ["-P", "-b", bootstrap, "-t", topic] + (key.map { ["-k", $0] } ?? [])
    let input = Pipe()
    process.standardInput = input
    try process.run()
    input.fileHandleForWriting.write(Data(value.utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "kcat could not publish to \(topic)")
}

/// Every JSON message on `topic`, read with kcat from the beginning.
func kcatConsume(_ bootstrap: String, topic: String) throws -> [[String: Any]] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    process.arguments = ["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}
