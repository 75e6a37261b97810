import Synchronization

/// What `/readyz` reports: each part of the service says whether it is ready.
public final class Readiness: Sendable {
    private let parts = Mutex<[String: Bool]>([:])

    public init() {}

    public func set(_ part: String, ready: Bool) {
        parts.withLock { $0[part] = ready }
    }

    /// Ready when at least one part reported and every part is ready.
    public var snapshot: (ready: Bool, parts: [String: Bool]) {
        parts.withLock { parts in (!parts.isEmpty && parts.values.allSatisfy { $0 }, parts) }
    }
}
