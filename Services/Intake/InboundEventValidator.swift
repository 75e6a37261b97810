import Foundation
import MinshengModel

/// Checks and normalises the inbound JSON (version 1, docs/inbound.md) that outside systems send.
/// Every refusal names the field and says what is wrong, so the sender can fix it.
struct InboundEventValidator: Sendable {
    /// The largest message accepted, in bytes.
    static let maximumMessageBytes = 64 * 1024
    static let maximumTextCharacters = 5000
    static let maximumIdCharacters = 128
    /// How far in the future `occurredAt` may lie (clock skew between systems).
    static let allowedFutureSkew: TimeInterval = 24 * 3600

    /// A valid event, normalised.
    struct ValidEvent: Sendable, Equatable {
        var sourceId: String
        var occurredAt: Date
        var text: String
        var requestType: RequestType?
        var reporter: Reporter?
        var address: String?
        var location: GeoPoint?
        var extra: [String: JSONValue]
    }

    /// Why an event was refused.
    struct Refusal: Error, Sendable, Equatable {
        enum Reason: String, Sendable {
            case malformedJSON = "malformed_json"
            case invalidUTF8 = "invalid_utf8"
            case missingField = "missing_field"
            case invalidField = "invalid_field"
            case tooLarge = "too_large"
        }
        var reason: Reason
        var field: String?
        var message: String
        /// The inbound `id`, when it could be read.
        var sourceId: String?
    }

    func validate(_ bytes: [UInt8], now: Date) -> Result<ValidEvent, Refusal> {
        guard bytes.count <= Self.maximumMessageBytes else {
            return .failure(Refusal(reason: .tooLarge, field: nil,
                                    message: "message is \(bytes.count) bytes; at most \(Self.maximumMessageBytes) are accepted"))
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .failure(Refusal(reason: .invalidUTF8, field: nil, message: "message is not valid UTF-8"))
        }
        let object: [String: JSONValue]
        do {
            guard case .object(let parsed) = try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
                return .failure(Refusal(reason: .malformedJSON, field: nil, message: "message must be a JSON object"))
            }
            object = parsed
        } catch {
            return .failure(Refusal(reason: .malformedJSON, field: nil, message: "message is not valid JSON"))
        }
        var sourceId: String?
        do {
            if let version = object["schemaVersion"], version != .number(1) {
                throw refusal(.invalidField, "schemaVersion", "schemaVersion must be 1 when present")
            }
            let id = try requiredString(object, "id")
            guard (1...Self.maximumIdCharacters).contains(id.count), !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw refusal(.invalidField, "id", "id must be 1-\(Self.maximumIdCharacters) characters without control characters")
            }
            sourceId = id
            let occurredText = try requiredString(object, "occurredAt")
            guard let occurredAt = MessageCoding.parseTimestamp(occurredText) else {
                throw refusal(.invalidField, "occurredAt", "occurredAt must be an ISO 8601 date-time with an offset, e.g. 2026-11-23T09:41:00+08:00")
            }
            guard occurredAt.timeIntervalSince(now) <= Self.allowedFutureSkew else {
                throw refusal(.invalidField, "occurredAt", "occurredAt is more than a day in the future")
            }
            let text = try requiredString(object, "text").precomposedStringWithCanonicalMapping
            guard !text.isEmpty else { throw refusal(.missingField, "text", "text must not be empty") }
            guard text.count <= Self.maximumTextCharacters else {
                throw refusal(.tooLarge, "text", "text has \(text.count) characters; at most \(Self.maximumTextCharacters) are accepted")
            }
            var requestType: RequestType?
            if let raw = try optionalString(object, "requestType") {
                guard let parsed = RequestType(rawValue: raw) else {
                    throw refusal(.invalidField, "requestType",
                                  "requestType must be one of \(RequestType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                requestType = parsed
            }
            return .success(ValidEvent(
                sourceId: id, occurredAt: occurredAt, text: text, requestType: requestType,
                reporter: try reporter(object), address: try address(object), location: try location(object),
                extra: try extra(object)))
        } catch var refusal as Refusal {
            refusal.sourceId = sourceId
            return .failure(refusal)
        } catch {
            return .failure(Refusal(reason: .malformedJSON, field: nil, message: "\(error)", sourceId: sourceId))
        }
    }

    private func refusal(_ reason: Refusal.Reason, _ field: String, _ message: String) -> Refusal {
        Refusal(reason: reason, field: field, message: message)
    }

    private func requiredString(_ object: [String: JSONValue], _ field: String) throws -> String {
        guard let value = object[field], value != .null else {
            throw refusal(.missingField, field, "\(field) is required")
        }
        guard case .string(let text) = value else { throw refusal(.invalidField, field, "\(field) must be a string") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func optionalString(_ object: [String: JSONValue], _ field: String, path: String? = nil) throws -> String? {
        guard let value = object[field], value != .null else { return nil }
        guard case .string(let text) = value else { throw refusal(.invalidField, path ?? field, "\(path ?? field) must be a string") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    private func reporter(_ object: [String: JSONValue]) throws -> Reporter? {
        guard let value = object["reporter"], value != .null else { return nil }
        guard case .object(let fields) = value else { throw refusal(.invalidField, "reporter", "reporter must be an object") }
        let name = try optionalString(fields, "name", path: "reporter.name")
        if let name, name.count > 100 { throw refusal(.invalidField, "reporter.name", "reporter.name has more than 100 characters") }
        var phone = try optionalString(fields, "phone", path: "reporter.phone")
        if let raw = phone {
            let digits = raw.filter { !" -()".contains($0) }
            guard (3...20).contains(digits.count), digits.enumerated().allSatisfy({ $0.element.isASCII && ($0.element.isNumber || ($0.offset == 0 && $0.element == "+")) }) else {
                throw refusal(.invalidField, "reporter.phone", "reporter.phone must be a phone number of 3-20 digits")
            }
            phone = digits
        }
        return name == nil && phone == nil ? nil : Reporter(name: name, phone: phone)
    }

    private func address(_ object: [String: JSONValue]) throws -> String? {
        let address = try optionalString(object, "address")
        if let address, address.count > 500 { throw refusal(.tooLarge, "address", "address has more than 500 characters") }
        return address
    }

    private func location(_ object: [String: JSONValue]) throws -> GeoPoint? {
        guard let value = object["location"], value != .null else { return nil }
        guard case .object(let fields) = value else { throw refusal(.invalidField, "location", "location must be an object with lat and lon") }
        guard case .number(let lat)? = fields["lat"], (-90...90).contains(lat) else {
            throw refusal(.invalidField, "location.lat", "location.lat must be a number from -90 to 90")
        }
        guard case .number(let lon)? = fields["lon"], (-180...180).contains(lon) else {
            throw refusal(.invalidField, "location.lon", "location.lon must be a number from -180 to 180")
        }
        return GeoPoint(lat: lat, lon: lon)
    }

    private func extra(_ object: [String: JSONValue]) throws -> [String: JSONValue] {
        guard let value = object["extra"], value != .null else { return [:] }
        guard case .object(let fields) = value else { throw refusal(.invalidField, "extra", "extra must be an object") }
        return fields
    }
}
