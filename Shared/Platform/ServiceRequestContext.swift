import Hummingbird
import NIOCore

/// The request context of every service's router: Hummingbird's basics plus the client's address,
/// which authentication failures and rate limits are keyed and logged by.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (no port); "unknown" when the channel has none (router tests).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
