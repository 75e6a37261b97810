import Foundation
import MinshengPlatform
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Further instances of a service beside the stack's first one: each with its own port, data directory
/// and instance id (`<service>-e2e-<n>`), in the same consumer group.
extension ServiceStack {
    /// Starts instance `number` (≥ 1) of `service` (again after a kill: same port and instance id; with
    /// `emptyDisk`, its data directory is deleted first, as for a replacement on a new machine).
    func launchReplica(_ service: ServiceName, _ number: Int, emptyDisk: Bool = false) throws {
        let name = "\(service.rawValue)-\(number)"
        let port = try replicas.withLock { replicas in try replicas[name]?.port ?? freePort() }
        let dataDirectory = "\(directory)/data/\(name)"
        if emptyDisk { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let process = try ServiceProcess.launch(
            service, bootstrap: bootstrap, port: port,
            settings: ["MINSHENG_DATA_DIR": dataDirectory, "MINSHENG_CONFIG_DIR": "\(directory)/config",
                       "MINSHENG_INSTANCE_ID": "\(service.rawValue)-e2e-\(number)"]
                .merging(settings) { $1 }.merging(serviceSettings[service] ?? [:]) { $1 },
            log: "\(directory)/\(name).log")
        replicas.withLock { $0[name] = (service, port, process) }
    }

    func replicaPort(_ service: ServiceName, _ number: Int) -> Int? {
        replicas.withLock { $0["\(service.rawValue)-\(number)"]?.port }
    }

    func waitUntilReplicaReady(_ service: ServiceName, _ number: Int) async throws {
        let port = try #require(replicaPort(service, number))
        let ready = try await eventually(timeout: .seconds(60)) {
            try? await self.getOn(port: port, "/readyz").status == 200 ? true : nil
        }
        try #require(ready == true, "\(service.rawValue)-\(number) did not become ready; log: \(directory)/\(service.rawValue)-\(number).log")
    }

    /// kill -9 of instance `number` of `service`.
    func kill9Replica(_ service: ServiceName, _ number: Int) {
        let name = "\(service.rawValue)-\(number)"
        guard let process = replicas.withLock({ replicas -> Process? in
            defer { replicas[name]?.process = nil }
            return replicas[name]?.process
        }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func getOn(port: Int, _ path: String) async throws -> (status: Int, body: Data) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// POSTs `body` to any instance's port.
    func postOn(port: Int, _ path: String, body: String, headers: [String: String] = [:]) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}

/// Whole stacks of instances: every service of a list as several instances (the all-services scale-out tests).
extension ServiceStack {
    /// Starts instances `numbers` of each of `services` in waves (instance n of every service, then n + 1),
    /// each wave waited for until every one of its instances is ready and holds partitions in its service's
    /// consumer group. (Started all at once, twelve members joining four groups on the local broker once left a
    /// group half-formed: one member assigned nothing, the two others waiting in the join until they timed out.)
    func launchReplicas(_ services: [ServiceName], _ numbers: ClosedRange<Int>) async throws {
        for number in numbers {
            for service in services { try launchReplica(service, number) }
            for service in services {
                try await waitUntilReplicaReady(service, number)
                try await waitUntilReplicaAssigned(service, number)
            }
        }
    }

    /// Waits until instance `number` of `service` holds partitions in its consumer group (`minsheng-<service>`).
    func waitUntilReplicaAssigned(_ service: ServiceName, _ number: Int, timeout: Duration = .seconds(90)) async throws {
        let assigned = try await eventually(timeout: timeout, every: .milliseconds(200)) {
            self.assignedPartitions(service, number).isEmpty ? nil : true
        }
        try #require(assigned == true, "\(service.rawValue)-\(number) holds no partition of its group; log: \(directory)/\(service.rawValue)-\(number).log")
    }

    /// The partitions instance `number` of `service` holds in its consumer group, by its log: those assigned
    /// less those revoked since (a replacement's log continues its predecessor's: a kill -9 logs no revocation,
    /// so read only what the replacement logged, from `after` bytes on).
    func assignedPartitions(_ service: ServiceName, _ number: Int, after: Int = 0) -> Set<String> {
        let group = "kafka.group=minsheng-\(service.rawValue) "
        var held: Set<String> = []
        for line in String(decoding: Array(replicaLog(service, number).utf8.dropFirst(after)), as: UTF8.self).split(separator: "\n")
        where line.contains(group) {
            guard let start = line.range(of: "kafka.partitions=") else { continue }
            let listed = line[start.upperBound...].prefix { $0 != " " }.split(separator: ",").map(String.init)
            if line.contains("Partitions assigned") { held.formUnion(listed) }
            if line.contains("Partitions revoked") { held.subtract(listed) }
        }
        return held
    }

    /// The ports of instances `numbers` of `service`.
    func replicaPorts(_ service: ServiceName, _ numbers: ClosedRange<Int>) throws -> [Int] {
        try numbers.map { try #require(replicaPort(service, $0), "\(service.rawValue)-\($0) was never started") }
    }

    /// What instance `number` of `service` logged (every run of it: a replacement appends to the same file).
    func replicaLog(_ service: ServiceName, _ number: Int) -> String {
        (try? String(contentsOfFile: "\(directory)/\(service.rawValue)-\(number).log", encoding: .utf8)) ?? ""
    }
}
