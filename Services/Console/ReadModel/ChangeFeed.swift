import Foundation
import Synchronization

/// Tells the open pages (server-sent events) that the read model changed, and what part of it:
/// `events`, `workorders`, `hotspots`, `deliveries` or `operations`. Changes noted while a message is
/// applied are published when its transaction has committed, at most every `interval`, merged.
final class ChangeFeed: Sendable {
    /// One notice to the pages: the parts that changed since the last one, and a counter.
    struct Notice: Sendable, Equatable, Codable {
        var serial: Int
        var parts: [String]
    }

    private struct State {
        var pending: Set<String> = []
        var staged: Set<String> = []
        var serial = 0
        var subscribers: [UUID: AsyncStream<Notice>.Continuation] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Notes a change inside a transaction; it is published by `commit()`.
    func stage(_ part: String) {
        state.withLock { _ = $0.staged.insert(part) }
    }

    /// The staged changes committed: publish them.
    func commit() {
        let parts = state.withLock { state -> Set<String> in
            defer { state.staged = [] }
            return state.staged
        }
        publish(parts)
    }

    /// Publishes changes made outside the consumer (operations board, accounts).
    func publish(_ parts: Set<String>) {
        guard !parts.isEmpty else { return }
        let (notice, subscribers) = state.withLock { state -> (Notice, [AsyncStream<Notice>.Continuation]) in
            state.serial += 1
            return (Notice(serial: state.serial, parts: parts.sorted()), Array(state.subscribers.values))
        }
        for subscriber in subscribers { subscriber.yield(notice) }
    }

    /// A stream of notices for one page; it ends when the page goes away (the caller stops iterating).
    func subscribe() -> AsyncStream<Notice> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Notice>.makeStream(bufferingPolicy: .bufferingNewest(16))
        state.withLock { $0.subscribers[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
