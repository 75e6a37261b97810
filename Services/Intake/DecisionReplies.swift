import Foundation
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import ServiceLifecycle
import Synchronization

/// The HTTP window's side of a request: it waits here for the owner's decision, which arrives on
/// `intake.replies` (every intake instance reads every partition of it, from where it started, and picks
/// the decisions addressed to itself).
final class DecisionWaiters: Sendable {
    private let waiting = Mutex<[String: CheckedContinuation<IntakeDecision?, Never>]>([:])
    private let early = Mutex<[String: IntakeDecision]>([:])

    /// Waits up to `timeout` for the decision on `requestId`; nil when none came in time.
    func wait(for requestId: String, timeout: Duration) async -> IntakeDecision? {
        await withCheckedContinuation { continuation in
            let arrived = early.withLock { $0.removeValue(forKey: requestId) }
            if let arrived {
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

    /// A decision came in: whoever waits for it gets it (one that came before its waiter is kept briefly).
    func deliver(_ decision: IntakeDecision) {
        if let continuation = waiting.withLock({ $0.removeValue(forKey: decision.requestId) }) {
            continuation.resume(returning: decision)
        } else {
            early.withLock { early in
                if early.count > 10_000 { early.removeAll() }
                early[decision.requestId] = decision
            }
        }
    }
}

/// Reads `intake.replies` (all partitions, from their end when the instance starts) and hands this
/// instance's decisions to its waiting HTTP requests.
struct DecisionListener: Service {
    let reader: KafkaPartitionReader
    let instanceId: String
    let waiters: DecisionWaiters
    let logger: Logger

    func run() async throws {
        var following = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !following {
                    let partitions = try await reader.partitions(of: Topics.intakeReplies)
                    try await reader.follow(Dictionary(uniqueKeysWithValues: partitions.map {
                        (TopicPartition(topic: Topics.intakeReplies, partition: $0), KafkaPartitionReader.end)
                    }))
                    following = true
                }
                let batch = try await cancelWhenGracefulShutdown { try await reader.poll(maxMessages: 500, wait: .milliseconds(200)) }
                for message in batch where message.keyString == instanceId {
                    guard let decision = try? message.decode(IntakeDecision.self), decision.instanceId == instanceId else { continue }
                    waiters.deliver(decision)
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("Reading intake.replies failed; trying again", metadata: ["error": "\(error)"])
                following = false
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await reader.close()
    }
}
