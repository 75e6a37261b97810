import Foundation
import HTTPTypes
import Hummingbird
import MinshengModel
import MinshengPlatform

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

    /// The caller a request authenticates as: a trusted caller's token (`callers.json`) with the unit it
    /// acts for and the person, or a unit's own token (`units.json`). A failure is 401, like any unknown
    /// token; the headers misused throw a refusal (400 missing or wrong, 403 from a unit's token).
    static func caller(_ headers: HTTPFields, configuration: DispatchConfiguration, demoMode: Bool) throws
        -> Result<Caller, BearerAuthentication.Failure>
    {
        let authorization = headers[.authorization]
        let trusted = BearerAuthentication.holder(
            authorization: authorization, among: configuration.callers.callers.map { (holder: $0, hash: $0.apiTokenHash) },
            demoMode: demoMode)
        switch trusted {
        case .success(let caller):
            return .success(try named(headers, by: caller, configuration: configuration))
        case .failure(.unknownToken):
            let unit = APITokenAuthenticator.caller(authorization: authorization, units: configuration.units, demoMode: demoMode)
            if case .success = unit, [headers[actAs], headers[person], headers[personName]].contains(where: { $0 != nil }) {
                throw DispatchAPI.Refusal.forbidden(
                    "only a trusted caller (callers.json) may act for a unit or name a person: X-Minsheng-Act-As and X-Minsheng-Person are refused")
            }
            return unit
        case .failure(let failure):
            return .failure(failure)
        }
    }

    /// The unit and the person a trusted caller names.
    static func named(_ headers: HTTPFields, by trusted: TrustedCallers.Caller, configuration: DispatchConfiguration) throws -> Caller {
        guard let unitId = headers[actAs]?.trimmingCharacters(in: .whitespaces), !unitId.isEmpty else {
            throw DispatchAPI.Refusal.badRequest(
                code: "missing_field", message: "a trusted caller must name the unit it acts for in X-Minsheng-Act-As",
                field: "X-Minsheng-Act-As")
        }
        guard let unit = configuration.units.unit(id: unitId) else {
            throw DispatchAPI.Refusal.badRequest(
                code: "invalid_field", message: "X-Minsheng-Act-As: \(unitId) is not a unit in units.json", field: "X-Minsheng-Act-As")
        }
        guard let id = try decoded(headers[person], "X-Minsheng-Person") else {
            throw DispatchAPI.Refusal.badRequest(
                code: "missing_field", message: "a trusted caller must name the acting person in X-Minsheng-Person",
                field: "X-Minsheng-Person")
        }
        let name = try decoded(headers[personName], "X-Minsheng-Person-Name")
        return Caller(unit: unit, person: ActingPerson(id: id, name: name), via: trusted.id)
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
