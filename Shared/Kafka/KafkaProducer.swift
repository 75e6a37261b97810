import CRdKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent Kafka producer. `enqueue` hands a message to librdkafka and reports its delivery
/// later; `send` waits for the reports.
///
/// librdkafka reports deliveries only while someone serves its main queue, so each client handle owns
/// one thread that polls it; the cooperative pool never blocks. A fatal error (the idempotent
/// producer's sequence or epoch lost, e.g. after a broker lost its state) ends a handle for good:
/// `recover()` replaces it with a new one, and the caller sends again what was not confirmed.
/// Run it as a `Service`: on graceful shutdown it refuses new sends, flushes what is in flight, fails
/// what is left and destroys the handle. List it first in the ServiceGroup so that it stops last.
public final class KafkaProducer: Service, Sendable {
    private let configuration: KafkaConfiguration
    private let logger: Logger
    private let flushTimeoutMilliseconds: Int32
    private let current: Mutex<ProducerClient?>
    private let replacing = Mutex<Bool>(false)

    /// - Parameter configuration: `bootstrap.servers` and `client.id` at least. Idempotence and
    ///   `acks=all` are set here; `linger.ms` (5), `compression.type` (zstd) and the partitioner unless given.
    public init(configuration: KafkaConfiguration, logger: Logger, flushTimeout: Duration = .seconds(10)) throws {
        let configuration = Self.withDefaults(configuration)
        self.configuration = configuration
        self.logger = logger
        self.flushTimeoutMilliseconds = Int32(flushTimeout.components.seconds * 1000)
        current = Mutex(try ProducerClient(configuration: configuration, generation: 1, logger: logger))
    }

    /// `configuration` with what every Minsheng producer has: idempotence and `acks=all` always;
    /// `linger.ms`, compression and the partitioner unless `configuration` sets them.
    static func withDefaults(_ configuration: KafkaConfiguration) -> KafkaConfiguration {
        var configuration = configuration
        configuration["enable.idempotence"] = "true"
        configuration["acks"] = "all"
        if configuration["linger.ms"] == nil { configuration["linger.ms"] = "5" }
        // Batches compressed with zstd unless set otherwise (`KAFKA_CLIENT_PROPERTIES=compression.type=none`):
        // a batch of JSON messages shrinks about sixteenfold (docs/kafka-notes.md), and with it the broker's
        // disk, network and, for the local test broker, CPU (docs/benchmarks.md).
        if configuration["compression.type"] == nil && configuration["compression.codec"] == nil {
            configuration["compression.type"] = "zstd"
        }
        // The partitioner of Java clients (murmur2), so that a key lands on the same partition whoever
        // produces it: a 12345 platform's Java producer, kcat with the same setting, or Minsheng.
        if configuration["partitioner"] == nil { configuration["partitioner"] = "murmur2_random" }
        return configuration
    }

    /// Hands `message` to librdkafka. Returns nil when it was enqueued: `completion` then gets its
    /// delivery report exactly once (a failure when the producer closes or fails first). Returns the
    /// error when it was refused (queue full, too large, closed, fatal): `completion` is never called.
    public func enqueue(
        _ message: OutgoingMessage, completion: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void
    ) -> KafkaError? {
        guard let client = current.withLock({ $0 }) else { return .closed }
        return client.produce(message, completion: completion)
    }

    /// The fatal error of the current client, if it has one (call `recover()`).
    public var fatalError: KafkaError? { current.withLock { $0 }?.fatalError }

    /// Messages waiting in librdkafka for their delivery report.
    public var outstanding: Int { current.withLock { $0 }?.outstanding ?? 0 }

    /// Replaces a client that failed fatally with a new one (a new producer id for the broker). Returns
    /// false when the producer is closed or the new client cannot be created. Sends waiting on the old
    /// client fail; what they carried must be sent again by the caller.
    public func recover() async -> Bool {
        guard replacing.withLock({ busy in defer { busy = true }; return !busy }) else { return false }
        defer { replacing.withLock { $0 = false } }
        guard let old = current.withLock({ $0 }) else { return false }
        guard old.fatalError != nil else { return true }
        let replacement: ProducerClient
        do {
            replacement = try ProducerClient(configuration: configuration, generation: old.generation + 1, logger: logger)
        } catch {
            logger.error("Kafka producer could not be replaced", metadata: ["error": "\(error)"])
            return false
        }
        let swapped = current.withLock { current -> Bool in
            guard current === old else { return false }
            current = replacement
            return true
        }
        guard swapped else {
            _ = await Self.offPool { replacement.shutDown(flushMilliseconds: 0) }
            return false
        }
        logger.notice("Kafka producer replaced after a fatal error", metadata: [
            "kafka.producer.generation": "\(replacement.generation)",
        ])
        _ = await Self.offPool { old.shutDown(flushMilliseconds: 0) }
        return true
    }

    /// Sends one message and waits for the broker to have it.
    public func send(topic: String, key: [UInt8]?, value: [UInt8]) async throws -> DeliveryReport {
        let results = await send([OutgoingMessage(topic: topic, key: key, value: value)])
        return try results[0].get()
    }

    /// Enqueues `messages` in order (so messages with one key keep their order) and waits for every
    /// delivery report. When librdkafka refuses one (its queue is full, say), that one and every later
    /// one fail with the same error and are not sent: the caller retries them later, in order. Returns
    /// when the producer closes, whatever the broker does.
    public func send(_ messages: [OutgoingMessage]) async -> [Result<DeliveryReport, KafkaError>] {
        guard !messages.isEmpty else { return [] }
        let batch = DeliveryBatch(count: messages.count)
        return await withCheckedContinuation { continuation in
            batch.onComplete(continuation)
            var refusal: KafkaError?
            for (index, message) in messages.enumerated() {
                if let refusal {
                    batch.complete(index, .failure(refusal))
                    continue
                }
                refusal = enqueue(message) { batch.complete(index, $0) }
                if let refusal { batch.complete(index, .failure(refusal)) }
            }
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Whether a broker answers a metadata request within `timeout` (for readiness checks).
    public func brokerReachable(timeout: Duration = .seconds(2)) async -> Bool {
        guard let client = current.withLock({ $0 }) else { return false }
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return await Self.offPool { client.brokerReachable(milliseconds: milliseconds) }
    }

    /// Refuses new sends, waits up to the flush timeout for messages in flight, fails what is left
    /// (waiting senders return), then destroys the handle.
    public func close() async {
        guard let client = current.withLock({ current in defer { current = nil }; return current }) else { return }
        let timeout = flushTimeoutMilliseconds
        let leftover = await Self.offPool { client.shutDown(flushMilliseconds: timeout) }
        if leftover > 0 {
            logger.warning("Kafka producer closed with messages unconfirmed", metadata: ["kafka.outq": "\(leftover)"])
        }
        logger.debug("Kafka producer closed")
    }

    /// Runs a blocking librdkafka call on a global queue, never on the cooperative pool.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}

/// A message to produce.
public struct OutgoingMessage: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    /// The partition to write to; nil lets the partitioner choose by key (murmur2, as Java clients do).
    public var partition: Int32?

    public init(topic: String, key: [UInt8]?, value: [UInt8], partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.partition = partition
    }

    public init(topic: String, key: String, value: [UInt8], partition: Int32? = nil) {
        self.init(topic: topic, key: Array(key.utf8), value: value, partition: partition)
    }
}

/// Collects the delivery results of one `send` batch and resumes its caller when all are in.
final class DeliveryBatch: Sendable {
    private struct State {
        var results: [Result<DeliveryReport, KafkaError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>?
    }
    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: nil))
    }

    func onComplete(_ continuation: CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func complete(_ index: Int, _ result: Result<DeliveryReport, KafkaError>) {
        let finished = state.withLock { state -> (CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>, [Result<DeliveryReport, KafkaError>])? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results.map { $0! })
        }
        if let (continuation, results) = finished { continuation.resume(returning: results) }
    }
}
