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
    /// Settings every service gets, and those of one service, on top of the test defaults.
    let settings: [String: String]
    let serviceSettings: [ServiceName: [String: String]]
    private let processes: Mutex<[ServiceName: Process]>
    /// Further instances of a service (scale-out tests), by name `<service>-<n>`, with their ports.
    let replicas = Mutex<[String: (service: ServiceName, port: Int, process: Process?)]>([:])

    private init(bootstrap: String, directory: String, receiver: WebhookReceiver, ports: [ServiceName: Int],
                 processes: [ServiceName: Process], settings: [String: String], serviceSettings: [ServiceName: [String: String]]) {
        self.bootstrap = bootstrap
        self.directory = directory
        self.receiver = receiver
        self.ports = ports
        self.settings = settings
        self.serviceSettings = serviceSettings
        self.processes = Mutex(processes)
    }

    /// Where `swift build` put the executables.
    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["TEST_BIN_DIR"] { return dir }
        // The test bundle sits in the same build directory as the executables.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    /// `services`: the pipeline's four, and the console when a test needs it. `holdUnsure`: whether dispatch
    /// holds the events the classifier is unsure of for the centre's review (review.json); off unless a
    /// test is about the review, so that the tests of delivery count on every event being dispatched
    /// (consultations and praise are held either way).
    static func start(
        bootstrap: String, failFirst: Int = 1, receiverDelay: Duration = .zero, settings: [String: String] = [:],
        serviceSettings: [ServiceName: [String: String]] = [:], services: [ServiceName] = ServiceName.pipeline,
        holdUnsure: Bool = false
    ) async throws -> ServiceStack {
        let directory = NSTemporaryDirectory() + "minsheng-e2e-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
        let receiver = WebhookReceiver(failFirst: failFirst, delay: receiverDelay)
        let receiverPort = try await receiver.start()
        try writeConfig(to: directory + "/config", webhookBase: "http://127.0.0.1:\(receiverPort)")
        if !holdUnsure {
            let path = directory + "/config/review.json"
            var review = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
            review["holdWhenUnsure"] = false
            try JSONSerialization.data(withJSONObject: review).write(to: URL(fileURLWithPath: path))
        }

        var ports: [ServiceName: Int] = [:]
        for service in services { ports[service] = try freePort() }
        let stack = ServiceStack(bootstrap: bootstrap, directory: directory, receiver: receiver, ports: ports, processes: [:],
                                 settings: settings, serviceSettings: serviceSettings)
        for service in services { try stack.launch(service) }
        for service in services { try await stack.waitUntilReady(service) }
        return stack
    }

    /// Starts `service`'s executable (again, after a kill: same data directory, port and instance id).
    func launch(_ service: ServiceName) throws {
        var settings = ["MINSHENG_DATA_DIR": "\(directory)/data/\(service.rawValue)", "MINSHENG_CONFIG_DIR": "\(directory)/config",
                        "MINSHENG_INSTANCE_ID": "\(service.rawValue)-e2e"]
        if service == .console { settings.merge(try consoleSettings()) { _, new in new } }
        let process = try ServiceProcess.launch(
            service, bootstrap: bootstrap, port: ports[service]!,
            settings: settings.merging(self.settings) { $1 }.merging(serviceSettings[service] ?? [:]) { $1 },
            log: "\(directory)/\(service.rawValue).log")
        processes.withLock { $0[service] = process }
    }

    /// The console acts through this stack's dispatch with its demo token (callers.json), and watches the
    /// stack's services.
    func consoleSettings() throws -> [String: String] {
        let callers = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config/callers.json")))
        let console = ((callers as? [String: Any])?["callers"] as? [[String: Any]])?.first { $0["id"] as? String == "console" }
        try #require(console != nil, "no console in \(directory)/config/callers.json")
        return [
            "MINSHENG_DISPATCH_URL": "http://127.0.0.1:\(ports[.dispatch]!)",
            "MINSHENG_DISPATCH_TOKEN": DemoToken.caller("console"),
            "MINSHENG_SERVICE_URLS": ServiceName.pipeline.compactMap { service in
                ports[service].map { "\(service.rawValue)=http://127.0.0.1:\($0)" }
            }.joined(separator: ","),
        ]
    }

    func waitUntilReady(_ service: ServiceName) async throws {
        let ready = try await eventually(timeout: .seconds(60)) { try? await self.get(service, "/readyz").status == 200 ? true : nil }
        try #require(ready == true, "\(service.executableName) did not become ready; log: \(directory)/\(service.rawValue).log")
    }

    /// kill -9: no graceful shutdown, nothing flushed or committed.
    func kill9(_ service: ServiceName) {
        guard let process = processes.withLock({ $0.removeValue(forKey: service) }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM to every process still running; waits for each and returns the exit codes.
    @discardableResult
    func stopAll() -> [ServiceName: Int32] {
        let running = processes.withLock { processes in
            defer { processes.removeAll() }
            return processes
        }
        let extra = replicas.withLock { replicas in replicas.values.compactMap(\.process) }
        replicas.withLock { replicas in for key in replicas.keys { replicas[key]?.process = nil } }
        for process in running.values + extra where process.isRunning { process.terminate() }  // all at once, then wait
        for process in extra { ServiceProcess.terminate(process) }
        return running.mapValues(ServiceProcess.terminate)
    }

    func get(_ service: ServiceName, _ path: String, token: String? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(ports[service]!)\(path)")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// POSTs a JSON body with a Bearer token; returns the status.
    func post(_ service: ServiceName, _ path: String, body: [String: Any], token: String) async throws -> Int {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(ports[service]!)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// POSTs `body` as it is; returns the status and the answer's body.
    func postRaw(_ service: ServiceName, _ path: String, body: String, headers: [String: String] = [:]) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(ports[service]!)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(body.utf8)
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
        for file in try FileManager.default.contentsOfDirectory(atPath: shipped.path) where file != "units.json" && file != "channels.json" {
            try FileManager.default.copyItem(atPath: shipped.appendingPathComponent(file).path, toPath: "\(directory)/\(file)")
        }
        var units = try JSONSerialization.jsonObject(with: Data(contentsOf: shipped.appendingPathComponent("units.json"))) as! [String: Any]
        units["units"] = (units["units"] as! [[String: Any]]).map { unit in
            var unit = unit
            unit["webhook"] = "\(webhookBase)/units/\(unit["id"] as! String)"
            return unit
        }
        try JSONSerialization.data(withJSONObject: units).write(to: URL(fileURLWithPath: "\(directory)/units.json"))
        // Signed webhooks for every unit, a duty robot for one town team, the SMS gateway, no quiet hours.
        var channels = try JSONSerialization.jsonObject(with: Data(contentsOf: shipped.appendingPathComponent("channels.json"))) as! [String: Any]
        var unitChannels: [String: Any] = [:]
        for unit in units["units"] as! [[String: Any]] {
            unitChannels[unit["id"] as! String] = ["webhookSecret": WebhookReceiver.webhookSecret]
        }
        unitChannels["danghu-team"] = ["webhookSecret": WebhookReceiver.webhookSecret,
                                       "robot": ["kind": "dingtalk", "url": "\(webhookBase)/robot/danghu-team?access_token=e2e",
                                                 "secret": WebhookReceiver.robotSecret]]
        channels["units"] = unitChannels
        channels["quietHours"] = ["from": "00:00", "to": "00:00", "utcOffsetHours": 8]
        var sms = channels["sms"] as! [String: Any]
        sms["url"] = "\(webhookBase)/sms"
        channels["sms"] = sms
        try JSONSerialization.data(withJSONObject: channels).write(to: URL(fileURLWithPath: "\(directory)/channels.json"))
    }
}

/// A unit's demo API token (docs/security.md), checked against the `apiTokenHash` in the `units.json`
/// of a config directory.
func apiToken(of unitId: String, configDirectory: String) throws -> String {
    let stored = try apiTokenHash(of: unitId, configDirectory: configDirectory)
    let token = DemoToken.unit(unitId)
    try #require(TokenHash(stored: stored)?.matches(token) == true, "the apiTokenHash of \(unitId) is not its demo token's")
    return token
}

/// A unit's `apiTokenHash` in the `units.json` of a config directory.
func apiTokenHash(of unitId: String, configDirectory: String) throws -> String {
    let units = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configDirectory + "/units.json")))
    let unit = (units as? [String: Any])?["units"].flatMap { $0 as? [[String: Any]] }?.first { $0["id"] as? String == unitId }
    return try #require(unit?["apiTokenHash"] as? String, "no apiTokenHash for \(unitId) in \(configDirectory)/units.json")
}

/// Ports `freePort` has handed out in this test run: tests run in parallel, and two services started
/// at once could otherwise draw the same free port, the second failing to bind it ("Address already in
/// use": a replica that never joined its group, eighth session).
private let portsHandedOut = Mutex<Set<Int>>([])

/// A port nobody listens on and no other test of this run was given, below Linux's ephemeral range
/// (32768-60999), so that the many outgoing connections of the test run (Kafka clients) cannot take it
/// before the service binds it.
func freePort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_000)
        guard portsHandedOut.withLock({ $0.insert(port).inserted }) else { continue }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        if bound == 0 { return port }
    }
    throw CancellationError()
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

/// Every message on `topic`, read with kcat from the beginning, one line each in kcat's `format`.
func kcatLines(_ bootstrap: String, topic: String, format: String) throws -> [Substring] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    process.arguments = ["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", format + "\n"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n")
}

/// Every JSON message on `topic`, read with kcat from the beginning.
func kcatConsume(_ bootstrap: String, topic: String) throws -> [[String: Any]] {
    try kcatLines(bootstrap, topic: topic, format: "%s").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}
