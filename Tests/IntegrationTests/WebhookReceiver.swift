import Foundation
import Hummingbird
import Logging
import MinshengPlatform
import ServiceLifecycle
import Synchronization

/// A handling unit's webhook, for the end-to-end test: records every POST; the first `failFirst`
/// requests get a 503, to exercise notification's retries.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var idempotencyKey: String?
        var body: [UInt8]
    }

    private let received = Mutex<[Received]>([])
    private let failuresLeft: Mutex<Int>
    private let portBox = Mutex<Int?>(nil)

    init(failFirst: Int = 0) {
        failuresLeft = Mutex(failFirst)
    }

    var requests: [Received] { received.withLock { $0 } }

    /// Starts listening on a free port and returns it.
    func start() async throws -> Int {
        let router = Router(context: BasicRequestContext.self)
        router.post("/units/:unit") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let fail = failuresLeft.withLock { left -> Bool in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if fail { return Response(status: .serviceUnavailable) }
            received.withLock {
                $0.append(Received(path: request.uri.path, idempotencyKey: request.headers[.init("Idempotency-Key")!],
                                   body: Array(body.readableBytesView)))
            }
            return Response(status: .ok)
        }
        let app = HTTPServer.makeApplication(router: router, host: "127.0.0.1", port: 0, logger: Logger(label: "receiver"),
                                             onRunning: { [self] port in self.portBox.withLock { $0 = port } })
        let group = ServiceGroup(services: [app], logger: Logger(label: "receiver"))
        // Runs until the test process ends.
        Task { try await group.run() }
        guard let port = try await eventually(timeout: .seconds(10), every: .milliseconds(20), { self.portBox.withLock { $0 } }) else {
            throw CancellationError()
        }
        return port
    }
}
