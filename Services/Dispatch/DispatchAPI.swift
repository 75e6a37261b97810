import Foundation
import Hummingbird
import Logging
import MinshengModel
import MinshengPlatform

/// What every dispatch API handler shares: who is calling (401 without a valid token), reading the body
/// and the query, and turning refusals into JSON errors `{"error","message","field"?}`:
/// 400 bad input, 401 no or unknown token, 403 not the caller's role, 404 no such order (or another
/// unit's), 409 not allowed in the order's status, 429 too many failed authentications from the address.
enum DispatchAPI {
    /// The largest request body accepted.
    static let maximumBodyBytes = 16 * 1024

    /// A request the API refuses before it reaches the domain.
    enum Refusal: Error {
        case badRequest(code: String, message: String, field: String?)
        case forbidden(String)
    }

    /// Authenticates the caller against the configuration in force, runs `handle`, and answers any
    /// refusal with its status and JSON error.
    static func respond(
        _ request: Request, _ context: HTTPServer.Context, _ store: ConfigStore, access: APIAccess,
        _ handle: (Caller, DispatchConfiguration) async throws -> Response
    ) async -> Response {
        let logger = context.logger
        if let wait = access.failures.lockedOut(context.clientAddress) {
            return FailedAuthentications.tooManyResponse(retryAfter: wait, message: "too many failed authentications; retry later")
        }
        let configuration = store.current
        let caller: Caller
        do {
            // A unit by its own token, or a unit and a person named by a trusted caller (callers.json).
            switch try TrustedCallerHeaders.caller(request.headers, configuration: configuration, demoMode: access.demoMode) {
            case .success(let found): caller = found
            case .failure(let failure):
                access.failures.record(failure, address: context.clientAddress, path: request.uri.path, logger: logger)
                return FailedAuthentications.unauthorizedResponse(
                    realm: "minsheng-dispatch", message: "send Authorization: Bearer <your unit's API token>")
            }
        } catch Refusal.forbidden(let message) {
            return HTTPServer.errorResponse(.forbidden, code: "forbidden", message: message)
        } catch Refusal.badRequest(let code, let message, let field) {
            return HTTPServer.errorResponse(.badRequest, code: code, message: message, field: field)
        } catch {
            return HTTPServer.errorResponse(.internalServerError, code: "internal_error", message: "the request failed; see the service log")
        }
        do {
            return try await handle(caller, configuration)
        } catch let error as WorkOrderError {
            return response(for: error)
        } catch Refusal.badRequest(let code, let message, let field) {
            return HTTPServer.errorResponse(.badRequest, code: code, message: message, field: field)
        } catch {
            logger.error("Request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            return HTTPServer.errorResponse(.internalServerError, code: "internal_error", message: "the request failed; see the service log")
        }
    }

    static func response(for error: WorkOrderError) -> Response {
        switch error {
        case .notFound: HTTPServer.errorResponse(.notFound, code: "not_found", message: error.description)
        case .forbidden: HTTPServer.errorResponse(.forbidden, code: "forbidden", message: error.description)
        case .illegalTransition: HTTPServer.errorResponse(.conflict, code: "illegal_transition", message: error.description)
        case .invalidField(let field, let message):
            HTTPServer.errorResponse(.badRequest, code: "invalid_field", message: message, field: field)
        case .conflict(let message): HTTPServer.errorResponse(.conflict, code: "conflict", message: message)
        }
    }

    /// The JSON body as `T`; an empty body is `{}` when `allowEmpty`.
    static func decodeBody<T: Decodable>(_ request: Request, allowEmpty: Bool) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodyBytes)
        } catch {
            throw Refusal.badRequest(code: "too_large", message: "the body is larger than \(maximumBodyBytes) bytes", field: nil)
        }
        var bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else { throw Refusal.badRequest(code: "missing_body", message: "send a JSON object", field: nil) }
            bytes = Array("{}".utf8)
        }
        do {
            return try MessageCoding.decode(T.self, from: bytes)
        } catch let DecodingError.keyNotFound(key, context) {
            let field = CodingPathText.of(context.codingPath + [key])
            throw Refusal.badRequest(code: "missing_field", message: "\(field) is required", field: field)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = CodingPathText.of(context.codingPath)
            throw Refusal.badRequest(code: "invalid_field", message: "\(field) has the wrong type", field: field)
        } catch {
            throw Refusal.badRequest(code: "malformed_json", message: "the body is not a JSON object", field: nil)
        }
    }

    /// The query parameters, the last value of each.
    static func parameters(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { result[String(key)] = String(value) }
        return result
    }
}
