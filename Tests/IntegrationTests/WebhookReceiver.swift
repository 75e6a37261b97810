import Crypto
import Foundation
import Hummingbird
import Logging
import MinshengPlatform
import ServiceLifecycle
import Synchronization
import Testing

/// The outside receivers of the end-to-end test: units' webhooks (`/units/<id>`, checks the timestamped
/// HMAC signature), a DingTalk-style duty-group robot (`/robot/<id>`, checks the timestamp and signature in
/// the query string, answers errcode) and an SMS gateway (`/sms`). Records every request; the first
/// `failFirst` webhook requests get a 503, to exercise notification's retries.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var idempotencyKey: String?
        var body: [UInt8]
        /// Whether the signature the receiver checks was right (webhooks and robots).
        var signatureValid: Bool
        /// A webhook request whose Idempotency-Key came before: acknowledged and dropped, as a receiver should.
        var repeated = false
    }

    /// Webhook requests taken in (first of each Idempotency-Key, signature valid).
    var accepted: [Received] { requests.filter { $0.path.hasPrefix("/units/") && $0.signatureValid && !$0.repeated } }

    static let webhookSecret = "e2e-webhook-secret"
    static let robotSecret = "SECe2e-robot-secret"

    private let received = Mutex<[Received]>([])
    private let failuresLeft: Mutex<Int>
    private let portBox = Mutex<Int?>(nil)

    /// How long each webhook request takes to answer (a slow unit system).
    private let delay: Duration

    init(failFirst: Int = 0, delay: Duration = .zero) {
        failuresLeft = Mutex(failFirst)
        self.delay = delay
    }

    var requests: [Received] { received.withLock { $0 } }

    /// Starts listening on a free port and returns it.
    func start() async throws -> Int {
        let router = Router(context: HTTPServer.Context.self)
        router.post("/units/:unit") { [self] request, _ -> Response in
            let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            if delay > .zero { try await Task.sleep(for: delay) }
            let fail = failuresLeft.withLock { left -> Bool in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if fail { return Response(status: .serviceUnavailable) }
            // As docs/security.md tells receivers: HMAC of "<timestamp>.<body>", timestamp within 5 minutes.
            let timestamp = request.headers[.init("X-Minsheng-Timestamp")!] ?? ""
            let code = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body,
                                                       using: SymmetricKey(data: Array(Self.webhookSecret.utf8)))
            let expected = "sha256=" + code.map { String(format: "%02x", $0) }.joined()
            let fresh = Double(timestamp).map { abs($0 - Date().timeIntervalSince1970) <= 300 } ?? false
            let valid = fresh && request.headers[.init("X-Minsheng-Signature")!] == expected
            let key = request.headers[.init("Idempotency-Key")!]
            received.withLock { received in
                let repeated = valid && key != nil && received.contains { $0.idempotencyKey == key && $0.signatureValid }
                received.append(Received(path: request.uri.path, idempotencyKey: key, body: body, signatureValid: valid,
                                         repeated: repeated))
            }
            return Response(status: valid ? .ok : .unauthorized)
        }
        router.post("/robot/:unit") { [self] request, _ -> Response in
            let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let query = request.uri.queryParameters
            let timestamp = query["timestamp"].map(String.init) ?? ""
            let code = HMAC<SHA256>.authenticationCode(
                for: Array("\(timestamp)\n\(Self.robotSecret)".utf8), using: SymmetricKey(data: Array(Self.robotSecret.utf8)))
            let fresh = (Double(timestamp) ?? 0) / 1000 > Date().timeIntervalSince1970 - 3600
            let valid = fresh && query["sign"].map(String.init) == Data(code).base64EncodedString()
            received.withLock {
                $0.append(Received(path: request.uri.path, idempotencyKey: nil, body: body, signatureValid: valid))
            }
            let answer = valid ? #"{"errcode":0,"errmsg":"ok"}"# : #"{"errcode":310000,"errmsg":"sign not match"}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        router.post("/sms") { [self] request, _ -> Response in
            let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            received.withLock { $0.append(Received(path: "/sms", idempotencyKey: nil, body: body, signatureValid: true)) }
            return Response(status: .ok)
        }
        let app = HTTPServer.makeApplication(router: router, host: "127.0.0.1", port: 0, logger: Logger(label: "receiver"),
                                             onRunning: { [self] port in self.portBox.withLock { $0 = port } })
        let group = ServiceGroup(services: [app], logger: Logger(label: "receiver"))
        // Runs until the test process ends.
        Task { try await group.run() }
        // A loaded machine (the unit tests run alongside) can take a while to bind.
        let port = try await eventually(timeout: .seconds(60), every: .milliseconds(20), { self.portBox.withLock { $0 } })
        return try #require(port, "the webhook receiver did not start listening within 60 s")
    }
}
