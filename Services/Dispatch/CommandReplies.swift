import Foundation
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import ServiceLifecycle
import Synchronization

/// The HTTP side of a command: it waits here for the owner's reply, which arrives on `dispatch.replies`
/// (every dispatch instance reads every partition of it, from where it started, and picks the replies
/// addressed to itself).
final class ReplyWaiters: Sendable {
    private let waiting = Mutex<[String: CheckedContinuation<WorkOrderCommandReply?, Never>]>([:])
    private let early = Mutex<[String: WorkOrderCommandReply]>([:])

    /// Waits up to `timeout` for the reply to `requestId`; nil when none came in time.
    func wait(for requestId: String, timeout: Duration) async -> WorkOrderCommandReply? {
        await withCheckedContinuation { continuation in
            if let arrived = early.withLock({ $0.removeValue(forKey: requestId) }) {
                continuation.resume(returning: arrived)
                return
            }
            waiting.withLock { $0[requestId] = continuation }
            Task {
                try? await Task.sleep(for: timeout)
                self.waiting.withLock { $0.removeValue(forKey: requestId) }?.resume(returning: nil)
            }
        }
    }

    /// A reply came in: whoever waits for it gets it (one that came before its waiter is kept briefly).
    func deliver(_ reply: WorkOrderCommandReply) {
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

/// Reads `dispatch.replies` (all partitions, from their end when the instance starts) and hands this
/// instance's replies to its waiting HTTP requests; learns how many partitions `dispatch.commands` has.
struct ReplyListener: Service {
    let reader: KafkaPartitionReader
    let instanceId: String
    let waiters: ReplyWaiters
    let commandPartitions: CommandPartitions
    let logger: Logger

    func run() async throws {
        var following = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !following {
                    let count = try await reader.partitions(of: Topics.dispatchCommands).count
                    commandPartitions.set(Int32(count))
                    let partitions = try await reader.partitions(of: Topics.dispatchReplies)
                    try await reader.follow(Dictionary(uniqueKeysWithValues: partitions.map {
                        (TopicPartition(topic: Topics.dispatchReplies, partition: $0), KafkaPartitionReader.end)
                    }))
                    following = true
                }
                let batch = try await cancelWhenGracefulShutdown { try await reader.poll(maxMessages: 500, wait: .milliseconds(200)) }
                for message in batch where message.keyString == instanceId {
                    guard let reply = try? message.decode(WorkOrderCommandReply.self), reply.instanceId == instanceId else { continue }
                    waiters.deliver(reply)
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("Reading dispatch.replies failed; trying again", metadata: ["error": "\(error)"])
                following = false
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await reader.close()
    }
}

/// How many partitions `dispatch.commands` has (known once the reply listener has asked the broker).
final class CommandPartitions: Sendable {
    private let count = Mutex<Int32?>(nil)

    func set(_ value: Int32) { count.withLock { $0 = value } }
    var current: Int32? { count.withLock { $0 } }
}
