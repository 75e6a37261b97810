import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs a notification's JSON to a unit's webhook.
struct WebhookSender: Sendable {
    enum Outcome: Sendable, Equatable {
        case delivered(httpStatus: Int)
        case rejected(httpStatus: Int)
        case failed(httpStatus: Int?, error: String)
    }

    var timeout: TimeInterval = 10

    func send(_ payload: [UInt8], to target: String, notificationId: String, kind: String) async -> Outcome {
        guard let url = URL(string: target) else { return .failed(httpStatus: nil, error: "invalid URL \(target)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(payload)
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue(notificationId, forHTTPHeaderField: "Idempotency-Key")
        request.setValue(kind, forHTTPHeaderField: "X-Minsheng-Notification-Kind")
        request.setValue("minsheng-notification", forHTTPHeaderField: "User-Agent")
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                return .failed(httpStatus: nil, error: "not an HTTP response")
            }
            switch http.statusCode {
            case 200..<300: return .delivered(httpStatus: http.statusCode)
            case let status where RetryPolicy.isPermanentFailure(httpStatus: status): return .rejected(httpStatus: status)
            default: return .failed(httpStatus: http.statusCode, error: "HTTP \(http.statusCode)")
            }
        } catch {
            return .failed(httpStatus: nil, error: error.localizedDescription)
        }
    }
}
