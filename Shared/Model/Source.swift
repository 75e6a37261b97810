/// Where an event came in (一窗式采集: one window for every channel).
public enum Source: String, Codable, Sendable, CaseIterable {
    /// 12345 government service hotline.
    case hotline12345
    /// 110 police service desk.
    case police110
    /// Online public-opinion monitor (网情民意).
    case web
    /// Grid workers' inspection reports (全科网格).
    case grid
    /// Walk-ins at a town's service station; HTTP only, it has no inbound topic.
    case walkin

    /// The inbound Kafka topic outside systems publish to, if this source has one.
    public var inboundTopic: String? {
        self == .walkin ? nil : "intake.\(rawValue)"
    }

    /// The source whose inbound topic is `topic`, if any.
    public init?(inboundTopic topic: String) {
        guard let source = Source.allCases.first(where: { $0.inboundTopic == topic }) else { return nil }
        self = source
    }
}
