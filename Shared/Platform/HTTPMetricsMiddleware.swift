import Foundation
import Hummingbird
import Metrics

/// Counts every HTTP request by route, method and status (`minsheng_http_requests_total`) and times it
/// (`minsheng_http_request_duration_seconds`, a histogram). The route is the matched pattern
/// (`/v1/workorders/{id}`), or `unmatched`, so ids never become label values.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, since: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(label: "minsheng_http_requests_total", dimensions: [("route", route), ("method", method), ("status", "\(status)")])
            .increment()
        Timer(label: "minsheng_http_request_duration_seconds", dimensions: [("route", route), ("method", method)])
            .record(duration: ContinuousClock.now - started)
    }
}
