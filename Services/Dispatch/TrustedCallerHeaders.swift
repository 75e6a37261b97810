import Foundation
import HTTPTypes
import Hummingbird
import MinshengModel

/// How a trusted caller (`callers.json`, the console) says for whom it acts: the unit in
/// `X-Minsheng-Act-As` and the person in `X-Minsheng-Person` (the account id) and
/// `X-Minsheng-Person-Name` (the name; UTF-8, percent-encoded). Both are required of a trusted
/// caller, and refused from anyone else: a unit cannot pose as another unit or name a person.
enum TrustedCallerHeaders {
    static let actAs = HTTPField.Name("X-Minsheng-Act-As")!
    static let person = HTTPField.Name("X-Minsheng-Person")!
    static let personName = HTTPField.Name("X-Minsheng-Person-Name")!

    /// The longest person id or name accepted.
    static let maximumLength = 100

    /// The caller a request authenticates as: a unit by its own token, or a unit named by a trusted
    /// caller with the person acting. Nil when the token is missing or unknown (401).
    static func caller(_ headers: HTTPFields, configuration: DispatchConfiguration) throws -> Caller? {
        let authorization = headers[.authorization]
        let names = [headers[actAs], headers[person], headers[personName]]
        if let trusted = APITokenAuthenticator.trustedCaller(authorization: authorization, callers: configuration.callers) {
            guard let unitId = headers[actAs]?.trimmingCharacters(in: .whitespaces), !unitId.isEmpty else {
                throw DispatchAPI.Refusal.badRequest(
                    code: "missing_field", message: "a trusted caller must name the unit it acts for in X-Minsheng-Act-As",
                    field: "X-Minsheng-Act-As")
            }
            guard let unit = configuration.units.unit(id: unitId) else {
                throw DispatchAPI.Refusal.badRequest(
                    code: "invalid_field", message: "X-Minsheng-Act-As: \(unitId) is not a unit in units.json", field: "X-Minsheng-Act-As")
            }
            let id = try decoded(headers[person], "X-Minsheng-Person")
            guard let id else {
                throw DispatchAPI.Refusal.badRequest(
                    code: "missing_field", message: "a trusted caller must name the acting person in X-Minsheng-Person",
                    field: "X-Minsheng-Person")
            }
            let name = try decoded(headers[personName], "X-Minsheng-Person-Name")
            return Caller(unit: unit, person: ActingPerson(id: id, name: name), via: trusted.id)
        }
        guard let caller = APITokenAuthenticator.caller(authorization: authorization, units: configuration.units) else { return nil }
        if names.contains(where: { $0 != nil }) {
            throw DispatchAPI.Refusal.forbidden(
                "only a trusted caller (callers.json) may act for a unit or name a person: X-Minsheng-Act-As and X-Minsheng-Person are refused")
        }
        return caller
    }

    /// A percent-encoded header value, decoded and checked; nil when absent or empty.
    static func decoded(_ raw: String?, _ field: String) throws -> String? {
        guard let raw else { return nil }
        guard let value = raw.removingPercentEncoding?.trimmingCharacters(in: .whitespaces) else {
            throw DispatchAPI.Refusal.badRequest(code: "invalid_field", message: "\(field) is not percent-encoded UTF-8", field: field)
        }
        guard !value.isEmpty else { return nil }
        guard value.count <= maximumLength, !value.contains(where: { $0.isNewline }) else {
            throw DispatchAPI.Refusal.badRequest(
                code: "invalid_field", message: "\(field) must be one line of at most \(maximumLength) characters", field: field)
        }
        return value
    }
}

extension APITokenAuthenticator {
    /// The trusted caller whose token `Authorization: Bearer <token>` carries, compared in constant time.
    static func trustedCaller(authorization: String?, callers: TrustedCallers) -> TrustedCallers.Caller? {
        guard let authorization, !callers.callers.isEmpty else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let presented = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        guard !presented.isEmpty else { return nil }
        var found: TrustedCallers.Caller?
        for caller in callers.callers where constantTimeEquals(presented, Array(caller.apiToken.utf8)) { found = caller }
        return found
    }
}
