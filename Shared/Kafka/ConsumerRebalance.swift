import CRdKafka
import Foundation
import Logging
import Synchronization

extension TopicPartition {
    /// The partitions of a librdkafka list.
    static func all(in list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }
}

/// What a consumer's owner does when the group moves partitions. Both run on the consumer's poll
/// thread, inside the poll, before any message of an assigned partition is handed out and before a
/// revoked one is given up: they may block (briefly), and must not poll the consumer.
public protocol RebalanceListener: AnyObject, Sendable {
    /// The partitions are now this member's. Hold (`KafkaConsumer.hold`) those whose state must be
    /// restored before their messages are processed.
    func partitionsAssigned(_ partitions: [TopicPartition], consumer: KafkaConsumer)

    /// The partitions are about to be taken away (`lost`: already taken, e.g. after a session timeout:
    /// their offsets can no longer be committed). Finish with them: store what is processed.
    func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool, consumer: KafkaConsumer)
}

/// Serves librdkafka's rebalance callback for one consumer: assigns and unassigns (incrementally under
/// the cooperative protocol, wholesale under the eager one) around the listener's calls. Reached through
/// the handle's opaque, so it must outlive the handle (the consumer owns it).
final class RebalanceCallbacks: Sendable {
    private let logger: Logger
    private let groupId: String
    private let consumer = Mutex<Weak?>(nil)
    private let listener = Mutex<(any RebalanceListener)?>(nil)

    private struct Weak: @unchecked Sendable { weak var consumer: KafkaConsumer? }

    init(logger: Logger, groupId: String) {
        self.logger = logger
        self.groupId = groupId
    }

    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let opaque else { return }
            Unmanaged<RebalanceCallbacks>.fromOpaque(opaque).takeUnretainedValue().rebalance(rk, err, partitions)
        }
    }

    func attach(_ consumer: KafkaConsumer) { self.consumer.withLock { $0 = Weak(consumer: consumer) } }

    func setListener(_ listener: (any RebalanceListener)?) { self.listener.withLock { $0 = listener } }

    private func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let list = partitions.map { TopicPartition.all(in: $0) } ?? []
        let consumer = self.consumer.withLock { $0?.consumer }
        let listener = self.listener.withLock { $0 }
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) {
                    logger.error("Kafka incremental assign failed", metadata: ["kafka.error": "\(KafkaError(consuming: error, context: "assign"))"])
                }
            } else {
                rd_kafka_assign(rk, partitions)
            }
            logger.info("Partitions assigned", metadata: ["kafka.group": "\(groupId)", "kafka.partitions": "\(list.map(\.description).joined(separator: ","))"])
            if let consumer { listener?.partitionsAssigned(list, consumer: consumer) }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            logger.info("Partitions revoked", metadata: [
                "kafka.group": "\(groupId)", "kafka.partitions": "\(list.map(\.description).joined(separator: ","))", "lost": "\(lost)",
            ])
            if let consumer { listener?.partitionsRevoked(list, lost: lost, consumer: consumer) }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) {
                    logger.error("Kafka incremental unassign failed", metadata: ["kafka.error": "\(KafkaError(consuming: error, context: "unassign"))"])
                }
            } else {
                rd_kafka_assign(rk, nil)
            }
            consumer?.forget(list)
        default:
            logger.error("Kafka rebalance error", metadata: ["kafka.error": "\(KafkaError(err, context: "rebalance"))"])
            rd_kafka_assign(rk, nil)
        }
    }
}

extension KafkaConsumer {
    /// Who is told of assignments and revocations (set it before the first poll).
    public func setRebalanceListener(_ listener: (any RebalanceListener)?) {
        rebalance.setListener(listener)
    }
}
