import Foundation
import MinshengModel
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The console acts only through dispatch's API, as the trusted caller of dispatch's `callers.json`:
/// every request carries the console's token, the unit it acts for (`X-Minsheng-Act-As`: the centre
/// for centre staff, the handler's unit for a unit handler) and the person (`X-Minsheng-Person`,
/// `X-Minsheng-Person-Name`), so that dispatch records who did it.
struct DispatchClient: Sendable {
    let baseURL: URL
    let token: String
    var timeout: TimeInterval = 10

    /// Dispatch's answer: its status and body (a work order, or `{"error","message","field"?}`).
    struct Answer: Sendable {
        var status: Int
        var body: Data

        var error: (code: String, message: String, field: String?)? {
            guard !(200..<300).contains(status) else { return nil }
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            return (object?["error"] as? String ?? "http_\(status)", object?["message"] as? String ?? "dispatch answered HTTP \(status)",
                    object?["field"] as? String)
        }
    }

    /// Dispatch could not be reached.
    struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }

    func post(_ path: String, body: [String: Any], actingFor unitId: String, person: ActingPerson) async throws -> Answer {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: body), actingFor: unitId, person: person)
    }

    func get(_ path: String, actingFor unitId: String, person: ActingPerson) async throws -> Answer {
        try await send("GET", path, body: nil, actingFor: unitId, person: person)
    }

    private func send(_ method: String, _ path: String, body: Data?, actingFor unitId: String, person: ActingPerson) async throws -> Answer {
        guard let url = URL(string: path, relativeTo: baseURL) else { throw Unreachable(description: "bad path \(path)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue(unitId, forHTTPHeaderField: "X-Minsheng-Act-As")
        request.setValue(Self.percentEncoded(person.id), forHTTPHeaderField: "X-Minsheng-Person")
        if let name = person.name { request.setValue(Self.percentEncoded(name), forHTTPHeaderField: "X-Minsheng-Person-Name") }
        request.setValue("minsheng-console", forHTTPHeaderField: "User-Agent")
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
        } catch {
            throw Unreachable(description: "dispatch at \(baseURL.absoluteString) did not answer: \(error.localizedDescription)")
        }
    }

    /// UTF-8, percent-encoded: header values are ASCII.
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
