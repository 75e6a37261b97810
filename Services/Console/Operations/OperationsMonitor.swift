import Foundation
import Logging
import ServiceLifecycle
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Keeps the operations board current: asks each service's `/readyz` every `healthInterval`, and the
/// broker for every group's lag every `lagInterval`; tells the pages when something changed.
struct OperationsMonitor: Service {
    let board: OperationsBoard
    let probe: GroupLagProbe
    let services: [(name: String, url: URL)]
    let feed: ChangeFeed
    let logger: Logger
    var healthInterval: Duration = .seconds(5)
    var lagInterval: Duration = .seconds(15)

    func run() async throws {
        var sinceLag = lagInterval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var changed = false
            for (name, url) in services {
                let health = await Self.check(name, url)
                let before = board.health.first { $0.service == name }
                if before?.state != health.state || before?.parts != health.parts {
                    changed = true
                    if before != nil {
                        logger.info("Service readiness changed", metadata: ["service.name": "\(name)", "state": "\(health.state.rawValue)"])
                    }
                }
                board.record(health)
            }
            if sinceLag >= lagInterval {
                board.record(await probe.sample(), at: Date())
                sinceLag = .zero
                changed = true
            }
            if changed { feed.publish(["operations"]) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: healthInterval) }
            sinceLag += healthInterval
        }
        await probe.close()
    }

    static func check(_ name: String, _ base: URL) async -> ServiceHealth {
        let url = base.appendingPathComponent("readyz")
        var request = URLRequest(url: url, timeoutInterval: 3)
        request.setValue("minsheng-console", forHTTPHeaderField: "User-Agent")
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            let parts = (object?["parts"] as? [String: Any])?.compactMapValues { $0 as? Bool } ?? [:]
            return ServiceHealth(service: name, url: base.absoluteString, state: status == 200 ? .ready : .notReady, parts: parts,
                                 detail: status == 200 ? nil : "HTTP \(status)", checkedAt: Date())
        } catch {
            return ServiceHealth(service: name, url: base.absoluteString, state: .unreachable, parts: [:],
                                 detail: error.localizedDescription, checkedAt: Date())
        }
    }
}
