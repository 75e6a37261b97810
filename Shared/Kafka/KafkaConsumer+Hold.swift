import CRdKafka

/// Holding partitions back while their state is restored, without pausing a partition whose fetcher may
/// not have started.
///
/// A new owner must not process a stateful partition's messages before its state is restored, so the
/// partition is *held* from its assignment to its `release`. Pausing it in librdkafka inside the
/// rebalance callback, right after the assignment, is what librdkafka's issue #2190 warns against: the
/// pause and the assignment's fetch start each take a version number and then queue their operation,
/// from different threads, and the older-numbered one is dropped when it is queued last; the partition
/// then never starts fetching. Twice in CI a held partition delivered nothing for the whole test
/// (docs/architecture.md, open problems). So a held partition keeps fetching: a message that arrives while
/// it is held is *parked*, and only then, its fetcher evidently running, is the partition paused. On
/// release the parked messages are handed out first, then the poll thread resumes the partition, so its
/// messages still come in order. A partition that delivers nothing while held is never paused at all.
struct Holding: Sendable {
    /// Handed out first, in order: messages polled while the consumer held back, and released parked ones.
    var ready: [KafkaMessage] = []
    /// Partitions whose messages are kept back until `release`.
    var held: Set<TopicPartition> = []
    /// Messages of held partitions that arrived anyway, in order, per partition.
    var parked: [TopicPartition: [KafkaMessage]] = [:]
    /// Held partitions this member paused in librdkafka (after their first parked message).
    var paused: Set<TopicPartition> = []
    /// Released partitions still paused in librdkafka: the poll thread resumes them once everything
    /// parked before has been handed out.
    var toResume: Set<TopicPartition> = []

    mutating func takeReady(upTo count: Int) -> [KafkaMessage] {
        let taken = Array(ready.prefix(count))
        ready.removeFirst(taken.count)
        return taken
    }

    /// Something for the poll thread to hand out or resume.
    var hasWorkForPollThread: Bool { !ready.isEmpty || !toResume.isEmpty }

    /// Parks `message` when its partition is held; true when it is the partition's first parked message
    /// (pause the partition now).
    mutating func park(_ message: KafkaMessage) -> (parked: Bool, pauseNow: Bool) {
        let partition = TopicPartition(topic: message.topic, partition: message.partition)
        guard held.contains(partition) else { return (false, false) }
        parked[partition, default: []].append(message)
        return (true, paused.insert(partition).inserted)
    }

    mutating func release(_ partitions: [TopicPartition]) {
        for partition in partitions where held.remove(partition) != nil {
            ready.append(contentsOf: parked.removeValue(forKey: partition) ?? [])
            if paused.remove(partition) != nil { toResume.insert(partition) }
        }
    }

    /// Drops what was kept for `gone` (revoked); returns the partitions this member had paused.
    mutating func forget(_ gone: Set<TopicPartition>) -> [TopicPartition] {
        held.subtract(gone)
        for partition in gone { parked[partition] = nil }
        ready.removeAll { gone.contains(TopicPartition(topic: $0.topic, partition: $0.partition)) }
        let pausedHere = paused.intersection(gone).union(toResume.intersection(gone))
        paused.subtract(gone)
        toResume.subtract(gone)
        return Array(pausedHere)
    }
}

extension KafkaConsumer {
    /// Keeps `partitions`' messages back until `release` (a new owner restores their state first). Called
    /// on the poll thread, from the rebalance callback; nothing is paused here (see `Holding`).
    public func hold(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        holding.withLock { $0.held.formUnion(partitions) }
    }

    /// Lets held partitions go (their state is restored): what they parked is handed out first, then the poll
    /// thread resumes those it paused. Any thread.
    public func release(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        holding.withLock { $0.release(partitions) }
    }

    /// Forgets what was held, parked or buffered for partitions that are no longer ours, and resumes those
    /// this member paused: librdkafka keeps a partition's pause across assignments, and a later owner
    /// here would never see it move. Poll thread (rebalance callback).
    func forget(_ partitions: [TopicPartition]) {
        let pausedHere = holding.withLock { $0.forget(Set(partitions)) }
        guard !pausedHere.isEmpty else { return }
        let list = Self.list(pausedHere)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_resume_partitions(handle, list)
    }

    /// The message to hand out, or nil when it belongs to a held partition and was parked (the partition
    /// is paused at its first parked message). Poll thread.
    func admit(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage? {
        let message = KafkaMessage(copying: raw)
        let (parked, pauseNow) = holding.withLock { $0.park(message) }
        guard parked else { return message }
        if pauseNow {
            let list = Self.list([TopicPartition(topic: message.topic, partition: message.partition)])
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_pause_partitions(handle, list)
        }
        return nil
    }

    /// The next message to hand out before polling; when there is none, resumes the released partitions
    /// whose parked messages are all handed out. Poll thread.
    func readyOrResumeReleased() -> KafkaMessage? {
        let (message, resume) = holding.withLock { holding -> (KafkaMessage?, Set<TopicPartition>) in
            if !holding.ready.isEmpty { return (holding.ready.removeFirst(), []) }
            defer { holding.toResume = [] }
            return (nil, holding.toResume)
        }
        if !resume.isEmpty {
            let list = Self.list(resume)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_resume_partitions(handle, list)
        }
        return message
    }
}
