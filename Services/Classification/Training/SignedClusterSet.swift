import Foundation

/// A labelled cluster set, each report classified and signed once by one `SignatureMaker`: what the
/// detector is fed, in the order the reports arrive (as they occurred unless `Arrival` says otherwise).
/// The search over weights and thresholds (`tune-similarity`) evaluates hundreds of settings per
/// signature maker; classifying and signing every report once per maker instead of once per setting is
/// most of its cost.
struct SignedClusterSet: Sendable {
    /// The reports, ordered by occurrence (ties: id).
    let reports: [ClusterReport]
    /// What the detector gets, in the order the reports arrive (`arrival`).
    let detectorInput: [RepeatDetector.Report]
    /// The version of the signatures (the maker's).
    let signatureVersion: String

    init(reports: [ClusterReport], classifier: EventClassifier, signatures: SignatureMaker, arrival: Arrival = .asOccurred) {
        self.reports = reports.sorted { ($0.occurredAt, $0.id) < ($1.occurredAt, $1.id) }
        let arriving = arrival.order(self.reports)
        let lastOccurred = self.reports.map(\.occurredAt).max() ?? Date(timeIntervalSince1970: 0)
        detectorInput = arriving.enumerated().map { position, report in
            var event = report.accepted
            if arrival != .asOccurred {
                // Replayed in one batch after the last one occurred, a second apart.
                event.receivedAt = lastOccurred.addingTimeInterval(60 + Double(position))
            }
            let decision = classifier.classify(event)
            let signature = signatures.signature(text: event.text, address: event.address, village: decision.place?.village,
                                                 categoryProbabilities: decision.categoryProbabilities)
            return RepeatDetector.Report(event: event, category: decision.category, place: decision.place, signature: signature)
        }
        signatureVersion = signatures.version
    }
}

extension SignedClusterSet {
    /// The order the reports reach the detector. As they occurred (each received a minute later) is how
    /// the sets are measured; the others replay them in one batch after the last one occurred, as a
    /// source system that catches up, or a test that sends one channel's file after another, would:
    /// `bySource` (each channel's reports in the order they occurred, channels one after another),
    /// `reversed`, or `shuffled` with a seed.
    enum Arrival: Equatable, Sendable, CustomStringConvertible {
        case asOccurred
        case bySource
        case reversed
        case shuffled(seed: UInt64)

        /// `occurred`, `source`, `reversed` or `shuffled:<seed>`.
        init?(_ text: String) {
            switch text {
            case "occurred": self = .asOccurred
            case "source": self = .bySource
            case "reversed": self = .reversed
            default:
                guard text.hasPrefix("shuffled:"), let seed = UInt64(text.dropFirst("shuffled:".count)) else { return nil }
                self = .shuffled(seed: seed)
            }
        }

        var description: String {
            switch self {
            case .asOccurred: "occurred"
            case .bySource: "source"
            case .reversed: "reversed"
            case .shuffled(let seed): "shuffled:\(seed)"
            }
        }

        func order(_ reports: [ClusterReport]) -> [ClusterReport] {
            switch self {
            case .asOccurred:
                return reports
            case .bySource:
                return reports.enumerated().sorted { ($0.element.source.rawValue, $0.offset) < ($1.element.source.rawValue, $1.offset) }
                    .map(\.element)
            case .reversed:
                return reports.reversed()
            case .shuffled(let seed):
                var generator = SeededGenerator(seed: seed)
                return reports.shuffled(using: &generator)
            }
        }
    }
}
