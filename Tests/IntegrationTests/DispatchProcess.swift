import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The dispatch executable alone, as a process over the real broker, with its own config and data
/// directories that survive a stop, so that it can be stopped and started again.
final class DispatchProcess: @unchecked Sendable {
    let bootstrap: String
    let directory: String
    let port: Int
    private var process: Process?
    private var starts = 0

    var configDirectory: String { directory + "/config" }
    var databasePath: String { directory + "/data/dispatch.sqlite" }

    /// A copy of the shipped config with some files replaced; nothing started yet.
    init(bootstrap: String, replacing files: [String: String] = [:]) throws {
        self.bootstrap = bootstrap
        directory = NSTemporaryDirectory() + "minsheng-dispatch-" + UUID().uuidString.prefix(8)
        port = try freePort()
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/config").path
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: shipped) where file.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: "\(shipped)/\(file)", toPath: "\(configDirectory)/\(file)")
        }
        for (file, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: "\(configDirectory)/\(file)")) }
    }

    var pid: Int32? { process?.processIdentifier }

    /// Starts the executable and waits until it is ready.
    func start() async throws {
        starts += 1
        let log = "\(directory)/dispatch-\(starts).log"
        // The instance id is stable across restarts: a restarted static member gets its partitions at once.
        process = try ServiceProcess.launch(
            .dispatch, bootstrap: bootstrap, port: port,
            settings: ["MINSHENG_DATA_DIR": directory + "/data", "MINSHENG_CONFIG_DIR": configDirectory,
                       "MINSHENG_INSTANCE_ID": "dispatch-it", "LOG_LEVEL": "debug"],
            log: log)
        let ready = try await eventually(timeout: .seconds(60)) {
            try? await self.request("GET", "/readyz").status == 200 ? true : nil
        }
        try #require(ready == true, "dispatch did not become ready; log: \(log)")
    }

    /// SIGTERM; waits for the exit and returns its status.
    @discardableResult
    func stop() -> Int32 {
        guard let process else { return -1 }
        self.process = nil
        return ServiceProcess.terminate(process)
    }

    func signal(_ signal: Int32) {
        if let pid { kill(pid, signal) }
    }

    /// An HTTP request with an optional bearer token and JSON body; the status and the JSON answer.
    func request(_ method: String, _ path: String, token: String? = nil, body: String? = nil) async throws
        -> (status: Int, json: [String: Any])
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    func token(of unitId: String) throws -> String { try apiToken(of: unitId, configDirectory: configDirectory) }

    /// Reads the (stopped or running) service's database.
    func read<T>(_ value: (Database) throws -> T) throws -> T {
        let queue = try DatabaseQueue(path: databasePath)
        return try queue.read(value)
    }
}

/// A classified event as classification would publish it, for dispatch alone.
func classifiedEvent(eventId: String, text: String, category: String, level: String, town: String?, village: String? = nil,
                     duplicateOf: String? = nil, reporter: String = "王女士") -> String {
    var event: [String: Any] = [
        "schemaVersion": 1, "eventId": eventId, "source": "hotline12345", "sourceId": "it-\(eventId)", "text": text,
        "category": category, "level": level, "police": false, "shuangfei": false, "confidence": 0.8,
        "explanation": "integration test", "classifiedAt": MessageCoding.formatTimestamp(Date()), "occurredAt": MessageCoding.formatTimestamp(Date()),
        "reporter": ["name": reporter, "phone": "13800000000"],
    ]
    if let town { event["town"] = town }
    if let village { event["village"] = village }
    if let duplicateOf { event["duplicateOf"] = duplicateOf }
    return String(decoding: try! JSONSerialization.data(withJSONObject: event), as: UTF8.self)
}
