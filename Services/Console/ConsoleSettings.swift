import Foundation
import MinshengPlatform

/// What the console reads from its environment besides the shared settings (`ServiceSettings`):
/// where dispatch's API is and the console's token for it, which services the screen watches, and the
/// session cookies. The names are declared in `ServiceName.ownVariables`, so `--help` lists them.
struct ConsoleSettings: Sendable, Equatable {
    /// `MINSHENG_DISPATCH_URL`: dispatch's API, e.g. `http://127.0.0.1:8083`.
    var dispatchURL: URL
    /// `MINSHENG_DISPATCH_TOKEN`: the console's token in dispatch's `callers.json`.
    var dispatchToken: String
    /// `MINSHENG_SERVICE_URLS`: service name → base URL, for their `/readyz`.
    var serviceURLs: [(name: String, url: URL)]
    /// `MINSHENG_SECURE_COOKIES`: session cookies only over HTTPS.
    var secureCookies: Bool
    /// `MINSHENG_SESSION_HOURS`
    var sessionLifetime: TimeInterval

    static let defaultServiceURLs = ServiceName.pipeline.map { "\($0.rawValue)=http://127.0.0.1:\($0.defaultHTTPPort)" }
        .joined(separator: ",")

    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> ConsoleSettings {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        let dispatchRaw = value("MINSHENG_DISPATCH_URL") ?? "http://127.0.0.1:8083"
        guard let dispatchURL = Self.httpURL(dispatchRaw) else {
            throw .variable("MINSHENG_DISPATCH_URL", dispatchRaw, expected: "an http:// or https:// URL")
        }
        guard let token = value("MINSHENG_DISPATCH_TOKEN") else {
            throw ConfigurationError("MINSHENG_DISPATCH_TOKEN is not set: the console acts through dispatch's API with the token of its entry in dispatch's callers.json")
        }
        guard token.count >= TokenHash.minimumTokenLength, !token.contains(where: \.isWhitespace) else {
            throw .variable("MINSHENG_DISPATCH_TOKEN", "(hidden)", expected: "at least \(TokenHash.minimumTokenLength) characters without spaces")
        }
        let servicesRaw = value("MINSHENG_SERVICE_URLS") ?? defaultServiceURLs
        var services: [(String, URL)] = []
        for entry in servicesRaw.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let url = Self.httpURL(parts[1]) else {
                throw .variable("MINSHENG_SERVICE_URLS", servicesRaw, expected: "name=http://host:port[,name=url]")
            }
            services.append((parts[0], url))
        }
        var secure = false
        if let raw = value("MINSHENG_SECURE_COOKIES") {
            switch raw.lowercased() {
            case "true", "1", "yes": secure = true
            case "false", "0", "no": secure = false
            default: throw .variable("MINSHENG_SECURE_COOKIES", raw, expected: "true or false")
            }
        }
        var hours = 12
        if let raw = value("MINSHENG_SESSION_HOURS") {
            guard let parsed = Int(raw), (1...72).contains(parsed) else {
                throw .variable("MINSHENG_SESSION_HOURS", raw, expected: "hours 1-72")
            }
            hours = parsed
        }
        return ConsoleSettings(dispatchURL: dispatchURL, dispatchToken: token, serviceURLs: services, secureCookies: secure,
                               sessionLifetime: TimeInterval(hours * 3600))
    }

    private static func httpURL(_ text: String) -> URL? {
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), let url = URL(string: text), url.host != nil else { return nil }
        return url
    }

    static func == (lhs: ConsoleSettings, rhs: ConsoleSettings) -> Bool {
        lhs.dispatchURL == rhs.dispatchURL && lhs.dispatchToken == rhs.dispatchToken
            && lhs.serviceURLs.map(\.name) == rhs.serviceURLs.map(\.name) && lhs.serviceURLs.map(\.url) == rhs.serviceURLs.map(\.url)
            && lhs.secureCookies == rhs.secureCookies && lhs.sessionLifetime == rhs.sessionLifetime
    }
}
