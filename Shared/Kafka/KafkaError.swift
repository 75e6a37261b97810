import CRdKafka

/// An error from librdkafka, with librdkafka's own judgement of whether it is worth retrying.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// librdkafka's `rd_kafka_resp_err_t` (negative: local, positive: broker).
    public var code: Int32
    public var message: String
    /// The client handle is finished: recreate it (the process restarts).
    public var isFatal: Bool
    /// The same call may succeed later.
    public var isRetriable: Bool

    public init(code: Int32, message: String, isFatal: Bool = false, isRetriable: Bool = false) {
        self.code = code
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
    }

    init(_ err: rd_kafka_resp_err_t, context: String) {
        let name = String(cString: rd_kafka_err2name(err))
        let text = String(cString: rd_kafka_err2str(err))
        self.init(
            code: err.rawValue, message: "\(context): \(name): \(text)",
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            isRetriable: Self.retriable.contains(err)
        )
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer, context: String) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            message: "\(context): \(String(cString: rd_kafka_error_string(error)))",
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0
        )
    }

    static func configuration(_ message: String) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: message)
    }

    public static let closed = KafkaError(code: RD_KAFKA_RESP_ERR__DESTROY.rawValue, message: "the Kafka client is closed")

    private static let retriable: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
    ]

    /// This message can never be delivered as it is (too large, not authorised, no such topic after the
    /// metadata propagation time, invalid): sending it again changes nothing until an operator acts.
    public var failsForGood: Bool {
        Self.permanentForMessage.contains(rd_kafka_resp_err_t(rawValue: code))
    }

    /// Of `failsForGood` errors, those an operator can cure without changing the message (create the
    /// topic, grant the ACL): worth trying again now and then.
    public var curableByOperator: Bool {
        Self.curable.contains(rd_kafka_resp_err_t(rawValue: code))
    }

    private static let permanentForMessage: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD,
        RD_KAFKA_RESP_ERR_INVALID_MSG, RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR__INVALID_ARG,
        RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS,
    ]

    private static let curable: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
    ]

    /// librdkafka's name for the code (`MSG_SIZE_TOO_LARGE`, `_UNKNOWN_TOPIC`), for metrics labels.
    public var codeName: String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    public var description: String { message }
}
