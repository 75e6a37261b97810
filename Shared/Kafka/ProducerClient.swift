import CRdKafka
import Foundation
import Logging
import Synchronization

/// One librdkafka producer handle (`rd_kafka_t *`) with everything tied to its life: the thread that
/// serves delivery reports, the topic handles, the sends waiting for a report, and the fatal error that
/// ends it. `KafkaProducer` replaces a client that failed fatally with a new one.
///
/// Every use of the handle holds a lease; `shutDown` refuses new leases and waits for the ones out before
/// it destroys the handle, so nothing touches the handle after `rd_kafka_destroy`.
final class ProducerClient: Sendable {
    typealias Completion = @Sendable (Result<DeliveryReport, KafkaError>) -> Void

    let generation: Int
    private let client: ClientHandle
    private var handle: OpaquePointer { client.pointer }
    /// What librdkafka's callbacks reach through the handle's opaque; it outlives the handle.
    private let callbacks: ProducerCallbacks
    private let topics = Mutex<[String: OpaquePointer]>([:])
    private let lease = Mutex<Lease>(Lease())
    private let polling = Mutex<Bool>(true)
    private let pollThreadFinished = Mutex<Bool>(false)

    private struct Lease {
        var users = 0
        var closed = false
    }

    init(configuration: KafkaConfiguration, generation: Int, logger: Logger) throws {
        self.generation = generation
        let callbacks = ProducerCallbacks(generation: generation, logger: logger)
        let conf = try configuration.makeConf(for: RD_KAFKA_PRODUCER)
        var errstr = [CChar](repeating: 0, count: 512)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            Unmanaged<ProducerCallbacks>.fromOpaque(opaque).takeUnretainedValue().deliver(message)
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            guard let opaque else { return }
            Unmanaged<ProducerCallbacks>.fromOpaque(opaque).takeUnretainedValue()
                .clientError(rk: rk, code: err, reason: reason.map { String(cString: $0) } ?? "")
        }
        guard let created = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration("cannot create Kafka producer: \(String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        self.callbacks = callbacks
        client = ClientHandle(pointer: created)
        startPolling()
    }

    /// The fatal error that ended this client, if one did.
    var fatalError: KafkaError? { callbacks.fatalError }

    /// Runs `body` with the handle unless the client is shutting down.
    private func withHandle<T>(_ body: (OpaquePointer) throws(KafkaError) -> T) throws(KafkaError) -> T {
        let admitted = lease.withLock { lease -> Bool in
            guard !lease.closed else { return false }
            lease.users += 1
            return true
        }
        guard admitted else { throw KafkaError.closed }
        defer { lease.withLock { $0.users -= 1 } }
        return try body(handle)
    }

    /// Enqueues one message; `completion` gets its delivery report (exactly once) unless this returns an
    /// error, in which case nothing was enqueued and `completion` is never called.
    func produce(_ message: OutgoingMessage, completion: @escaping Completion) -> KafkaError? {
        if let fatal = fatalError { return fatal }
        do {
            return try withHandle { handle throws(KafkaError) -> KafkaError? in
                let topicHandle = try topicHandle(named: message.topic)
                let id = callbacks.register(completion)
                let result = message.value.withUnsafeBytes { valueBytes in
                    (message.key ?? []).withUnsafeBytes { keyBytes in
                        rd_kafka_produce(
                            topicHandle, message.partition ?? RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                            UnsafeMutableRawPointer(mutating: valueBytes.baseAddress), valueBytes.count,
                            message.key == nil ? nil : keyBytes.baseAddress, message.key?.count ?? 0,
                            UnsafeMutableRawPointer(bitPattern: id))
                    }
                }
                guard result != 0 else { return nil }
                callbacks.forget(id)
                return KafkaError(rd_kafka_last_error(), context: "produce to \(message.topic)")
            }
        } catch {
            return error
        }
    }

    /// Messages enqueued or in flight (librdkafka's out queue).
    var outstanding: Int { (try? withHandle { Int(rd_kafka_outq_len($0)) }) ?? 0 }

    /// Whether a broker answers a metadata request within `milliseconds`. Blocks: call it off the pool.
    func brokerReachable(milliseconds: Int32) -> Bool {
        (try? withHandle { handle in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle, 0, nil, &metadata, milliseconds)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return err == RD_KAFKA_RESP_ERR_NO_ERROR
        }) ?? false
    }

    /// Refuses new work, waits up to `flushMilliseconds` for what is in flight, fails what is left (its
    /// senders see `.closed`), stops the report thread and destroys the handle. Blocks: call it off the
    /// pool. Returns how many messages were still unconfirmed.
    func shutDown(flushMilliseconds: Int32) -> Int {
        lease.withLock { $0.closed = true }
        while lease.withLock({ $0.users > 0 }) { usleep(1000) }
        var leftover = 0
        if fatalError == nil, flushMilliseconds > 0, rd_kafka_flush(handle, flushMilliseconds) != RD_KAFKA_RESP_ERR_NO_ERROR {
            leftover = Int(rd_kafka_outq_len(handle))
        } else if fatalError != nil {
            leftover = Int(rd_kafka_outq_len(handle))
        }
        // Whatever is still queued or in flight is failed by librdkafka with a purge error, reported
        // through the poll thread, which is still running.
        rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING)
        for _ in 0..<50 where rd_kafka_outq_len(handle) > 0 { usleep(10_000) }
        stopPolling()
        callbacks.failAll(with: .closed)
        topics.withLock { topics in
            for topic in topics.values { rd_kafka_topic_destroy(topic) }
            topics.removeAll()
        }
        rd_kafka_destroy(handle)
        return leftover
    }

    private func topicHandle(named name: String) throws(KafkaError) -> OpaquePointer {
        try topics.withLock { topics -> Result<OpaquePointer, KafkaError> in
            if let existing = topics[name] { return .success(existing) }
            guard let created = rd_kafka_topic_new(self.handle, name, nil) else {
                return .failure(KafkaError(rd_kafka_last_error(), context: "topic \(name)"))
            }
            topics[name] = created
            return .success(created)
        }.get()
    }

    private func startPolling() {
        let handleBits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        let thread = Thread { [self] in
            let handle = OpaquePointer(bitPattern: handleBits)!
            while polling.withLock({ $0 }) {
                rd_kafka_poll(handle, 100)
            }
            pollThreadFinished.withLock { $0 = true }
        }
        thread.name = "rdkafka-producer-poll"
        thread.start()
    }

    /// Blocks until the poll thread has ended.
    private func stopPolling() {
        polling.withLock { $0 = false }
        while !pollThreadFinished.withLock({ $0 }) { usleep(1000) }
    }
}

/// The part of a producer client that librdkafka's callbacks reach: sends waiting for their delivery
/// report (by the integer id passed as each message's opaque) and the fatal error, if one came.
final class ProducerCallbacks: Sendable {
    typealias Completion = ProducerClient.Completion

    private let generation: Int
    private let logger: Logger
    private let pending = Mutex<Pending>(Pending())
    private let fatal = Mutex<KafkaError?>(nil)

    private struct Pending {
        var completions: [UInt: Completion] = [:]
        var lastId: UInt = 0
    }

    init(generation: Int, logger: Logger) {
        self.generation = generation
        self.logger = logger
    }

    var fatalError: KafkaError? { fatal.withLock { $0 } }

    func forget(_ id: UInt) {
        _ = pending.withLock { $0.completions.removeValue(forKey: id) }
    }

    func register(_ completion: @escaping Completion) -> UInt {
        pending.withLock { pending in
            pending.lastId &+= 1
            if pending.lastId == 0 { pending.lastId = 1 }
            pending.completions[pending.lastId] = completion
            return pending.lastId
        }
    }

    func failAll(with error: KafkaError) {
        let all = pending.withLock { pending in
            defer { pending.completions.removeAll() }
            return Array(pending.completions.values)
        }
        for completion in all { completion(.failure(error)) }
    }

    /// Called on the poll thread for every message librdkafka has finished with.
    func deliver(_ message: UnsafePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let id = UInt(bitPattern: m._private)
        guard let completion = pending.withLock({ $0.completions.removeValue(forKey: id) }) else { return }
        if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            completion(.success(DeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
        } else if let fatal = fatalError {
            completion(.failure(fatal))
        } else {
            completion(.failure(KafkaError(m.err, context: "delivery")))
        }
    }

    func clientError(rk: OpaquePointer?, code: Int32, reason: String) {
        if code == RD_KAFKA_RESP_ERR__FATAL.rawValue, let rk {
            var buffer = [CChar](repeating: 0, count: 512)
            let cause = rd_kafka_fatal_error(rk, &buffer, buffer.count)
            let error = KafkaError(
                code: cause.rawValue,
                message: "fatal Kafka producer error: \(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))",
                isFatal: true)
            fatal.withLock { $0 = error }
            logger.error("Kafka producer failed fatally; it will be replaced", metadata: [
                "error": "\(error)", "kafka.producer.generation": "\(generation)",
            ])
        } else {
            // librdkafka recovers from these by itself (broker down, transport errors).
            logger.debug("Kafka client error", metadata: ["kafka.error": "\(reason)"])
        }
    }

}
