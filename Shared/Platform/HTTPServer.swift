import Foundation
import Hummingbird
import Logging
import MinshengModel
import NIOCore

/// The HTTP side of a service: its own routes plus `/healthz`, `/readyz` and `/metrics`.
public enum HTTPServer {
    public typealias Context = ServiceRequestContext

    /// A router with the operational routes already added; the service adds its own.
    public static func makeRouter(readiness: Readiness) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: HTTPMetricsMiddleware())
        router.get("/healthz") { _, _ in
            HTTPServer.jsonResponse(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            let report = readiness.report
            return HTTPServer.jsonResponse(report.status == "not_ready" ? .serviceUnavailable : .ok, report)
        }
        router.get("/metrics") { _, _ in
            var buffer = [UInt8]()
            Observability.registry.emit(into: &buffer)
            let text = MetricDescriptions.withHelp(String(decoding: buffer, as: UTF8.self))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    /// The application serving `router` on `host:port`; `onRunning` gets the bound port (0 picks one).
    public static func makeApplication(
        router: Router<Context>, host: String, port: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "minsheng"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// A JSON response from any encodable value, with the shared message coding.
    public static func jsonResponse(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let bytes = (try? MessageCoding.encode(value)) ?? Array(#"{"error":"encoding_failed"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"error": code, "message": …, "field": …}`
    public static func errorResponse(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil) -> Response {
        jsonResponse(status, APIError(error: code, message: message, field: field))
    }
}

/// The body of every error answer.
public struct APIError: Codable, Sendable, Equatable {
    public var error: String
    public var message: String
    public var field: String?
}
