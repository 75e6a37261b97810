/// The four Minsheng services.
public enum ServiceName: String, Sendable, CaseIterable {
    case intake
    case classification
    case dispatch
    case notification

    /// The HTTP port a service listens on when `HTTP_PORT` is not set.
    public var defaultHTTPPort: Int {
        switch self {
        case .intake: 8081
        case .classification: 8082
        case .dispatch: 8083
        case .notification: 8084
        }
    }

    /// Its consumer group id.
    public var consumerGroup: String { "minsheng-\(rawValue)" }

    /// Its executable's name.
    public var executableName: String { "minsheng-\(rawValue)" }
}
