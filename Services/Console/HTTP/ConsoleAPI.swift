import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MinshengModel
import MinshengPlatform

/// What every page API handler shares: the session from the cookie (401 without one), the role check
/// (403), the CSRF check on every change (a `X-CSRF-Token` equal to the session's, and an `Origin`, when
/// sent, equal to the host), reading JSON bodies, and answering refusals as JSON
/// `{"error","message","field"?}` in Chinese, for the page to show.
enum ConsoleAPI {
    static let sessionCookie = "ms_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let maximumBodyBytes = 64 * 1024

    enum Refusal: Error {
        case unauthorized
        case forbidden(String)
        case notFound(String)
        case badRequest(code: String, message: String, field: String?)
        /// Dispatch refused or failed: its status and error, passed on.
        case upstream(status: Int, code: String, message: String, field: String?)
        case unavailable(String)
    }

    /// What a handler needs to be allowed.
    enum Access {
        /// Any logged-in person.
        case anyone
        /// Everyone but unit handlers (the county-wide views).
        case countyWide
        /// Centre staff and supervisors.
        case centre
        /// Supervisors.
        case supervisor
    }

    /// Finds the session, checks access (and CSRF for changes), runs `handle`, and answers refusals.
    static func respond(
        _ request: Request, _ app: ConsoleApp, access: Access, changes: Bool,
        _ handle: (SessionStore.Session) async throws -> Response
    ) async -> Response {
        do {
            guard let token = request.cookies[sessionCookie]?.value,
                  let session = try await app.sessions.find(token: token, now: app.now())
            else { throw Refusal.unauthorized }
            try check(access, session.account)
            if changes { try checkCSRF(request, session: session) }
            return try await handle(session)
        } catch {
            return response(for: error, request: request, logger: app.logger)
        }
    }

    static func check(_ access: Access, _ account: Account) throws {
        switch access {
        case .anyone: return
        case .countyWide: guard account.role.seesAll else { throw Refusal.forbidden("单位经办人只能查看本单位工单") }
        case .centre: guard account.role.actsForCentre else { throw Refusal.forbidden("只有指挥中心坐席和领导可以操作") }
        case .supervisor: guard account.role == .supervisor else { throw Refusal.forbidden("只有中心领导可以管理账号") }
        }
    }

    /// Changes need the session's CSRF token in `X-CSRF-Token`, and a same-origin `Origin` if one is sent.
    static func checkCSRF(_ request: Request, session: SessionStore.Session?) throws {
        try checkOrigin(request)
        guard let session else { return }
        let sent = Array((request.headers[csrfHeader] ?? "").utf8)
        let expected = Array(session.csrfToken.utf8)
        var difference: UInt8 = sent.count == expected.count ? 0 : 1
        for index in 0..<min(sent.count, expected.count) { difference |= sent[index] ^ expected[index] }
        guard difference == 0, !sent.isEmpty else { throw Refusal.forbidden("请求缺少有效的 CSRF 令牌，请刷新页面后重试") }
    }

    /// A browser sends `Origin` with every POST; another site's origin is refused.
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin], origin != "null" else { return }
        let host = request.head.authority ?? ""
        guard let url = URL(string: origin), let originHost = url.host else { throw Refusal.forbidden("来源不被接受") }
        let originAuthority = originHost + (url.port.map { ":\($0)" } ?? "")
        guard originAuthority == host || originHost == host else { throw Refusal.forbidden("跨站请求被拒绝") }
    }

    static func response(for error: any Error, request: Request, logger: Logger) -> Response {
        switch error {
        case Refusal.unauthorized:
            return HTTPServer.errorResponse(.unauthorized, code: "unauthorized", message: "请先登录")
        case Refusal.forbidden(let message):
            return HTTPServer.errorResponse(.forbidden, code: "forbidden", message: message)
        case Refusal.notFound(let message):
            return HTTPServer.errorResponse(.notFound, code: "not_found", message: message)
        case Refusal.badRequest(let code, let message, let field):
            return HTTPServer.errorResponse(.badRequest, code: code, message: message, field: field)
        case Refusal.upstream(let status, let code, let message, let field):
            return HTTPServer.errorResponse(.init(code: status), code: code, message: message, field: field)
        case Refusal.unavailable(let message):
            return HTTPServer.errorResponse(.serviceUnavailable, code: "unavailable", message: message)
        case let refusal as AccountStore.Refusal:
            return HTTPServer.errorResponse(.badRequest, code: "invalid_field", message: refusal.message, field: refusal.field)
        case let unreachable as DispatchClient.Unreachable:
            logger.warning("Dispatch unreachable", metadata: ["error": "\(unreachable)"])
            return HTTPServer.errorResponse(.badGateway, code: "dispatch_unreachable", message: "派单服务暂时无法连接，请稍后重试")
        default:
            logger.error("Request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            return HTTPServer.errorResponse(.internalServerError, code: "internal_error", message: "处理失败，请查看服务日志")
        }
    }

    /// The body as a JSON object.
    static func jsonObject(_ request: Request) async throws -> [String: Any] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodyBytes)
        } catch {
            throw Refusal.badRequest(code: "too_large", message: "请求内容过大", field: nil)
        }
        let bytes = Data(buffer.readableBytesView)
        if bytes.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
            throw Refusal.badRequest(code: "malformed_json", message: "请求内容不是 JSON 对象", field: nil)
        }
        return object
    }

    /// A string field: trimmed, empty is absent; a wrong type is refused.
    static func string(_ object: [String: Any], _ key: String, required: Bool = false, maximum: Int = 2000) throws -> String? {
        guard let raw = object[key], !(raw is NSNull) else {
            if required { throw Refusal.badRequest(code: "missing_field", message: "请填写\(key)", field: key) }
            return nil
        }
        guard let text = raw as? String else { throw Refusal.badRequest(code: "invalid_field", message: "\(key) 应为文字", field: key) }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            if required { throw Refusal.badRequest(code: "missing_field", message: "请填写\(key)", field: key) }
            return nil
        }
        guard trimmed.count <= maximum else { throw Refusal.badRequest(code: "invalid_field", message: "\(key) 过长", field: key) }
        return trimmed
    }

    static func strings(_ object: [String: Any], _ key: String) throws -> [String]? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let list = raw as? [Any], list.allSatisfy({ $0 is String }) else {
            throw Refusal.badRequest(code: "invalid_field", message: "\(key) 应为文字列表", field: key)
        }
        return (list as! [String]).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        var response = HTTPServer.jsonResponse(status, value)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// A dispatch answer: the order on success; its refusal passed on.
    static func passOn(_ answer: DispatchClient.Answer) throws -> Response {
        if let error = answer.error {
            throw Refusal.upstream(status: answer.status == 0 ? 502 : answer.status, code: error.code, message: error.message, field: error.field)
        }
        return Response(status: .init(code: answer.status), headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    static func query(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { result[String(key)] = String(value) }
        return result
    }
}
