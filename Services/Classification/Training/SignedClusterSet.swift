import Foundation

/// A labelled cluster set in the order its reports occurred, each report classified and signed once
/// by one `SignatureMaker`: what the detector is fed. The search over weights and thresholds
/// (`tune-similarity`) evaluates hundreds of settings per signature maker; classifying and signing
/// every report once per maker instead of once per setting is most of its cost.
struct SignedClusterSet: Sendable {
    /// The reports, ordered by occurrence (ties: id).
    let reports: [ClusterReport]
    /// What the detector gets for each report of `reports`, in the same order.
    let detectorInput: [RepeatDetector.Report]
    /// The version of the signatures (the maker's).
    let signatureVersion: String

    init(reports: [ClusterReport], classifier: EventClassifier, signatures: SignatureMaker) {
        self.reports = reports.sorted { ($0.occurredAt, $0.id) < ($1.occurredAt, $1.id) }
        detectorInput = self.reports.map { report in
            let event = report.accepted
            let decision = classifier.classify(event)
            let signature = signatures.signature(text: event.text, address: event.address, village: decision.place?.village,
                                                 categoryProbabilities: decision.categoryProbabilities)
            return RepeatDetector.Report(event: event, category: decision.category, place: decision.place, signature: signature)
        }
        signatureVersion = signatures.version
    }
}
