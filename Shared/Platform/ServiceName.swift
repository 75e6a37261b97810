/// The Minsheng services: the four of the event pipeline, and the command centre's console.
public enum ServiceName: String, Sendable, CaseIterable {
    case intake
    case classification
    case dispatch
    case notification
    /// The command centre's web console (驾驶舱, triage desk, units' workbench): reads the topics, acts
    /// through dispatch's API.
    case console

    /// The services an event passes through, in order.
    public static let pipeline: [ServiceName] = [.intake, .classification, .dispatch, .notification]

    /// The HTTP port a service listens on when `HTTP_PORT` is not set.
    public var defaultHTTPPort: Int {
        switch self {
        case .intake: 8081
        case .classification: 8082
        case .dispatch: 8083
        case .notification: 8084
        case .console: 8085
        }
    }

    /// Its consumer group id.
    public var consumerGroup: String { "minsheng-\(rawValue)" }

    /// Its executable's name.
    public var executableName: String { "minsheng-\(rawValue)" }
}
