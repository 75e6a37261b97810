import CRdKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent Kafka producer whose `send` returns when the broker has the message (its delivery
/// report), not when it is queued.
///
/// librdkafka reports deliveries only while someone serves its main queue, so the producer owns one
/// thread that polls it; the cooperative pool never blocks. Run it as a `Service`: on graceful shutdown
/// it refuses new sends, flushes what is in flight and destroys the handle. List it first in the
/// ServiceGroup so that it stops last.
public final class KafkaProducer: Service, Sendable {
    private let client: ClientHandle
    private var handle: OpaquePointer { client.pointer }
    private let context: DeliveryContext
    private let topics = Mutex<[String: OpaquePointer]>([:])
    private let state = Mutex<State>(.open)
    private let logger: Logger
    private let flushTimeoutMilliseconds: Int32

    private enum State { case open, closing, closed }

    /// - Parameter configuration: `bootstrap.servers` and `client.id` at least. Idempotence and
    ///   `acks=all` are set here.
    public init(configuration: KafkaConfiguration, logger: Logger, flushTimeout: Duration = .seconds(10)) throws {
        var configuration = configuration
        configuration["enable.idempotence"] = "true"
        configuration["acks"] = "all"
        if configuration["linger.ms"] == nil { configuration["linger.ms"] = "5" }
        let conf = try configuration.makeConf()
        let context = DeliveryContext(logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            Unmanaged<DeliveryContext>.fromOpaque(opaque).takeUnretainedValue().deliver(message)
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<DeliveryContext>.fromOpaque(opaque).takeUnretainedValue()
            context.clientError(rk: rk, code: err, reason: reason.map { String(cString: $0) } ?? "")
        }
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration("cannot create Kafka producer: \(String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        self.client = ClientHandle(pointer: handle)
        self.context = context
        self.logger = logger
        self.flushTimeoutMilliseconds = Int32(flushTimeout.components.seconds * 1000)
        context.startPolling(handle)
    }

    /// Sends one message and waits for the broker to have it.
    public func send(topic: String, key: [UInt8]?, value: [UInt8]) async throws -> DeliveryReport {
        let results = await send([OutgoingMessage(topic: topic, key: key, value: value)])
        return try results[0].get()
    }

    /// Enqueues `messages` in order (so messages with one key keep their order) and waits for every
    /// delivery report. When librdkafka refuses one (its queue is full, say), that one and every later
    /// one fail with the same error and are not sent: the caller retries them later, in order.
    public func send(_ messages: [OutgoingMessage]) async -> [Result<DeliveryReport, KafkaError>] {
        guard !messages.isEmpty else { return [] }
        if let fatal = context.fatalError { return messages.map { _ in .failure(fatal) } }
        guard state.withLock({ $0 == .open }) else { return messages.map { _ in .failure(.closed) } }
        let batch = DeliveryBatch(count: messages.count)
        return await withCheckedContinuation { continuation in
            batch.onComplete(continuation)
            var refusal: KafkaError?
            for (index, message) in messages.enumerated() {
                if let refusal {
                    batch.complete(index, .failure(refusal))
                    continue
                }
                do throws(KafkaError) {
                    let topicHandle = try topicHandle(named: message.topic)
                    let id = context.register { batch.complete(index, $0) }
                    let result = message.value.withUnsafeBytes { valueBytes in
                        (message.key ?? []).withUnsafeBytes { keyBytes in
                            rd_kafka_produce(
                                topicHandle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                UnsafeMutableRawPointer(mutating: valueBytes.baseAddress), valueBytes.count,
                                message.key == nil ? nil : keyBytes.baseAddress, message.key?.count ?? 0,
                                UnsafeMutableRawPointer(bitPattern: id)
                            )
                        }
                    }
                    if result != 0 {
                        let error = KafkaError(rd_kafka_last_error(), context: "produce to \(message.topic)")
                        context.fail(id, with: error)
                        refusal = error
                    }
                } catch {
                    batch.complete(index, .failure(error))
                    refusal = error
                }
            }
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Whether a broker answers a metadata request within `timeout` (for readiness checks).
    public func brokerReachable(timeout: Duration = .seconds(2)) async -> Bool {
        guard state.withLock({ $0 == .open }) else { return false }
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                guard self.state.withLock({ $0 == .open }) else {
                    continuation.resume(returning: false)
                    return
                }
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let err = rd_kafka_metadata(self.handle, 0, nil, &metadata, milliseconds)
                if let metadata { rd_kafka_metadata_destroy(metadata) }
                continuation.resume(returning: err == RD_KAFKA_RESP_ERR_NO_ERROR)
            }
        }
    }

    /// Refuses new sends, waits up to the flush timeout for messages in flight, then destroys the handle.
    public func close() async {
        let shouldClose = state.withLock { state -> Bool in
            guard state == .open else { return false }
            state = .closing
            return true
        }
        guard shouldClose else { return }
        let timeout = flushTimeoutMilliseconds
        let leftover = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let err = rd_kafka_flush(self.handle, timeout)
                continuation.resume(returning: err == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : rd_kafka_outq_len(self.handle))
            }
        }
        if leftover > 0 {
            logger.warning("Kafka producer closed with messages in flight", metadata: ["kafka.outq": "\(leftover)"])
        }
        await context.stopPolling()
        context.failAll(with: .closed)
        topics.withLock { topics in
            for topic in topics.values { rd_kafka_topic_destroy(topic) }
            topics.removeAll()
        }
        rd_kafka_destroy(handle)
        state.withLock { $0 = .closed }
        logger.debug("Kafka producer closed")
    }

    private func topicHandle(named name: String) throws(KafkaError) -> OpaquePointer {
        let handle = try topics.withLock { topics -> Result<OpaquePointer, KafkaError> in
            if let existing = topics[name] { return .success(existing) }
            guard let created = rd_kafka_topic_new(self.handle, name, nil) else {
                return .failure(KafkaError(rd_kafka_last_error(), context: "topic \(name)"))
            }
            topics[name] = created
            return .success(created)
        }.get()
        return handle
    }
}

/// What librdkafka's callbacks reach through the handle's opaque pointer: pending sends by message id,
/// and the poll thread.
final class DeliveryContext: Sendable {
    private let pending = Mutex<[UInt: @Sendable (Result<DeliveryReport, KafkaError>) -> Void]>([:])
    private let counter = Mutex<UInt>(0)
    private let fatal = Mutex<KafkaError?>(nil)
    private let polling = Mutex<Bool>(false)
    private let pollThreadDone = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    var fatalError: KafkaError? { fatal.withLock { $0 } }

    /// Registers a completion and returns the message id to pass as the message's opaque.
    func register(_ completion: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void) -> UInt {
        pending.withLock { pending in
            let id = counter.withLock { value -> UInt in
                value &+= 1
                if value == 0 { value = 1 }
                return value
            }
            pending[id] = completion
            return id
        }
    }

    func fail(_ id: UInt, with error: KafkaError) {
        pending.withLock { $0.removeValue(forKey: id) }?(.failure(error))
    }

    func failAll(with error: KafkaError) {
        let all = pending.withLock { pending in
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        for completion in all { completion(.failure(error)) }
    }

    /// Called on the poll thread for every message librdkafka has finished with.
    func deliver(_ message: UnsafePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let id = UInt(bitPattern: m._private)
        guard let completion = pending.withLock({ $0.removeValue(forKey: id) }) else { return }
        if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            completion(.success(DeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
        } else {
            completion(.failure(KafkaError(m.err, context: "delivery")))
        }
    }

    func clientError(rk: OpaquePointer?, code: Int32, reason: String) {
        if code == RD_KAFKA_RESP_ERR__FATAL.rawValue, let rk {
            var buffer = [CChar](repeating: 0, count: 512)
            let cause = rd_kafka_fatal_error(rk, &buffer, buffer.count)
            let error = KafkaError(
                code: cause.rawValue, message: "fatal Kafka producer error: \(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))",
                isFatal: true)
            fatal.withLock { $0 = error }
            logger.error("Kafka producer failed fatally", metadata: ["error": "\(error)"])
        } else {
            // librdkafka recovers from these by itself (broker down, transport errors).
            logger.debug("Kafka client error", metadata: ["kafka.error": "\(reason)"])
        }
    }

    func startPolling(_ handle: OpaquePointer) {
        polling.withLock { $0 = true }
        let handleBits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        let thread = Thread { [self] in
            let handle = OpaquePointer(bitPattern: handleBits)!
            while polling.withLock({ $0 }) {
                rd_kafka_poll(handle, 100)
            }
            pollThreadDone.withLock { $0 }?.resume()
        }
        thread.name = "rdkafka-producer-poll"
        thread.start()
    }

    func stopPolling() async {
        await withCheckedContinuation { continuation in
            pollThreadDone.withLock { $0 = continuation }
            polling.withLock { $0 = false }
        }
    }
}

/// A message to produce.
public struct OutgoingMessage: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]

    public init(topic: String, key: [UInt8]?, value: [UInt8]) {
        self.topic = topic
        self.key = key
        self.value = value
    }

    public init(topic: String, key: String, value: [UInt8]) {
        self.init(topic: topic, key: Array(key.utf8), value: value)
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
