/// The features the text models know, each with a row number: one look-up per feature serves every
/// model (category, level, police). Built at training time from the features that occur in at least
/// two training texts (a feature seen once generalises to nothing and only makes the file bigger).
struct FeatureVocabulary: Sendable, Equatable {
    /// Sorted, unique.
    let keys: [TextFeatures.Key]
    private let rows: [TextFeatures.Key: Int32]

    init(keys: [TextFeatures.Key]) {
        self.keys = keys
        var rows: [TextFeatures.Key: Int32] = [:]
        rows.reserveCapacity(keys.count)
        for (row, key) in keys.enumerated() { rows[key] = Int32(row) }
        self.rows = rows
    }

    static func == (lhs: FeatureVocabulary, rhs: FeatureVocabulary) -> Bool { lhs.keys == rhs.keys }

    var count: Int { keys.count }

    func row(of key: TextFeatures.Key) -> Int32? { rows[key] }

    /// The rows of the known features, sorted (unknown features are dropped).
    func rows(of features: [TextFeatures.Key]) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(features.count)
        for key in features {
            if let row = rows[key] { result.append(row) }
        }
        result.sort()
        return result
    }

    /// The features of at least `minimumDocuments` of the given feature sets.
    static func build(from documents: [[TextFeatures.Key]], minimumDocuments: Int) -> FeatureVocabulary {
        var counts: [TextFeatures.Key: Int] = [:]
        for features in documents {
            for key in features { counts[key, default: 0] += 1 }
        }
        return FeatureVocabulary(keys: counts.filter { $0.value >= minimumDocuments }.keys.sorted())
    }
}
