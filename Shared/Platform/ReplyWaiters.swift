import Foundation
import Logging
import MinshengKafka
import MinshengModel
import ServiceLifecycle
import Synchronization

/// A reply from the owner of a partition to the instance that holds the caller (docs/scaling.md,
/// "Requests and replies"): addressed to an instance and a request.
public protocol AddressedReply: VersionedMessage {
    /// The instance that waits with the caller (the reply's key).
    var instanceId: String { get }
    /// The request the reply answers.
    var requestId: String { get }
}

/// The waiting side of a request: the HTTP handler waits here for the owner's reply, which a
/// `ReplyListener` hands over when it arrives.
public final class ReplyWaiters<Reply: AddressedReply>: Sendable {
    private let waiting = Mutex<[String: CheckedContinuation<Reply?, Never>]>([:])
    private let early = Mutex<[String: Reply]>([:])
    /// Told whenever a request starts waiting (the listener reads the topic only while one does).
    private let arrivals: AsyncStream<Void>
    private let arrivalsContinuation: AsyncStream<Void>.Continuation

    public init() {
        (arrivals, arrivalsContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Whether a request waits for its reply now.
    public var hasWaiters: Bool { !waiting.withLock { $0.isEmpty } }

    /// Returns once a request has started waiting since the last call (at once if one did meanwhile), or
    /// when the task is cancelled. For one listener only.
    public func nextWaiter() async {
        var iterator = arrivals.makeAsyncIterator()
        _ = await iterator.next()
    }

    /// Waits up to `timeout` for the reply to `requestId`; nil when none came in time.
    public func wait(for requestId: String, timeout: Duration) async -> Reply? {
        await withCheckedContinuation { continuation in
            if let arrived = early.withLock({ $0.removeValue(forKey: requestId) }) {
                continuation.resume(returning: arrived)
                return
            }
            waiting.withLock { $0[requestId] = continuation }
            arrivalsContinuation.yield()
            Task {
                try? await Task.sleep(for: timeout)
                self.waiting.withLock { $0.removeValue(forKey: requestId) }?.resume(returning: nil)
            }
        }
    }

    /// A reply came in: whoever waits for it gets it (one that came before its waiter is kept briefly).
    public func deliver(_ reply: Reply) {
        if let continuation = waiting.withLock({ $0.removeValue(forKey: reply.requestId) }) {
            continuation.resume(returning: reply)
        } else {
            early.withLock { early in
                if early.count > 10_000 { early.removeAll() }
                early[reply.requestId] = reply
            }
        }
    }
}

/// Reads a replies topic (every partition, from its end when the instance starts) and hands the
/// replies addressed to this instance to its waiting requests. Owners publish a reply only once the
/// change it acknowledges is in Kafka (`Outbox.enqueueReply`). It fetches only while a request waits:
/// once none does and it has read what there was, it suspends its reader (no fetch requests at all) until
/// the next request starts waiting, and then reads on from where it stopped, so a reply that came
/// meanwhile (even before its request started waiting) is still found.
public struct ReplyListener<Reply: AddressedReply>: Service {
    let topic: String
    let reader: KafkaPartitionReader
    let instanceId: String
    let waiters: ReplyWaiters<Reply>
    let logger: Logger
    /// Runs before each (re)start of following, with the reader (e.g. to learn a partition count).
    let prepare: @Sendable (KafkaPartitionReader) async throws -> Void

    public init(
        topic: String, reader: KafkaPartitionReader, instanceId: String, waiters: ReplyWaiters<Reply>, logger: Logger,
        prepare: @escaping @Sendable (KafkaPartitionReader) async throws -> Void = { _ in }
    ) {
        self.topic = topic
        self.reader = reader
        self.instanceId = instanceId
        self.waiters = waiters
        self.logger = logger
        self.prepare = prepare
    }

    public func run() async throws {
        var following = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !following {
                    try await prepare(reader)
                    let partitions = try await reader.partitions(of: topic)
                    try await reader.follow(Dictionary(uniqueKeysWithValues: partitions.map {
                        (TopicPartition(topic: topic, partition: $0), KafkaPartitionReader.end)
                    }))
                    following = true
                }
                let batch = try await cancelWhenGracefulShutdown { try await reader.poll(maxMessages: 500, wait: .milliseconds(200)) }
                if batch.isEmpty, !waiters.hasWaiters {
                    try await reader.suspend()
                    let waiters = waiters
                    try await cancelWhenGracefulShutdown { await waiters.nextWaiter() }
                    try await reader.resume()
                    continue
                }
                for message in batch where message.keyString == instanceId {
                    guard let reply = try? message.decode(Reply.self), reply.instanceId == instanceId else { continue }
                    waiters.deliver(reply)
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("Reading replies failed; trying again", metadata: ["kafka.topic": "\(topic)", "error": "\(error)"])
                following = false
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await reader.close()
    }
}

extension IntakeDecision: AddressedReply {}
extension WorkOrderCommandReply: AddressedReply {}
