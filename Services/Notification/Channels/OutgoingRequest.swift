import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a channel sender reports about one attempt.
enum DeliveryOutcome: Sendable, Equatable {
    case delivered(detail: String)
    /// Will never succeed (4xx other than 408/429, a robot's refusal): do not retry.
    case rejected(detail: String)
    /// May succeed later: retry with backoff.
    case failed(detail: String)
}

/// POSTs JSON and reads the answer; shared by the webhook, robot and SMS senders.
struct HTTPPoster: Sendable {
    var timeout: TimeInterval = 10

    func post(_ body: [UInt8], to target: String, headers: [String: String]) async -> (status: Int?, body: Data, error: String?) {
        guard let url = URL(string: target) else { return (nil, Data(), "invalid URL \(target)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue("minsheng-notification", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode, data, nil)
        } catch {
            return (nil, Data(), error.localizedDescription)
        }
    }

    /// The usual reading of an HTTP answer: 2xx delivered, 4xx other than 408/429 refused, the rest retried.
    static func outcome(status: Int?, error: String?) -> DeliveryOutcome {
        guard let status else { return .failed(detail: error ?? "no answer") }
        switch status {
        case 200..<300: return .delivered(detail: "HTTP \(status)")
        case let status where RetryPolicy.isPermanentFailure(httpStatus: status): return .rejected(detail: "HTTP \(status)")
        default: return .failed(detail: "HTTP \(status)")
        }
    }
}
