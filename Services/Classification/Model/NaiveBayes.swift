import Foundation

/// A multinomial naive Bayes text classifier over binary character n-gram features, with Laplace
/// (additive) smoothing. Picked over logistic regression by 5-fold cross-validation on the training
/// split (docs/classification.md): as accurate on this corpus, trains in one pass, predicts with one
/// table look-up per feature.
struct NaiveBayes: Sendable, Equatable {
    /// Class labels, in the order of every weight row.
    let classes: [String]
    /// log P(class).
    let logPriors: [Float]
    /// The feature of each row of `logLikelihoods`.
    let featureKeys: [TextFeatures.Key]
    /// log P(feature | class), one row of `classes.count` per feature.
    let logLikelihoods: [Float]
    /// Row of each known feature.
    let featureRows: [TextFeatures.Key: Int32]
    /// Naive Bayes adds up evidence as if every n-gram were independent, which makes its posteriors far
    /// too sure; scores are divided by this temperature (fitted on held-out folds of the training data)
    /// before the softmax, so that a confidence of 0.6 means about 60 % right.
    var temperature: Float = 1

    init(classes: [String], logPriors: [Float], featureKeys: [TextFeatures.Key], logLikelihoods: [Float], temperature: Float = 1) {
        self.temperature = temperature
        precondition(logLikelihoods.count == featureKeys.count * classes.count && logPriors.count == classes.count)
        self.classes = classes
        self.logPriors = logPriors
        self.featureKeys = featureKeys
        self.logLikelihoods = logLikelihoods
        var rows: [TextFeatures.Key: Int32] = [:]
        rows.reserveCapacity(featureKeys.count)
        for (row, key) in featureKeys.enumerated() { rows[key] = Int32(row) }
        self.featureRows = rows
    }

    static func == (lhs: NaiveBayes, rhs: NaiveBayes) -> Bool {
        lhs.classes == rhs.classes && lhs.logPriors == rhs.logPriors && lhs.featureKeys == rhs.featureKeys
            && lhs.logLikelihoods == rhs.logLikelihoods && lhs.temperature == rhs.temperature
    }

    /// Trains on `(features, label)` pairs. Classes are sorted so training is deterministic.
    static func train(_ examples: [(features: [TextFeatures.Key], label: String)], smoothing alpha: Float) -> NaiveBayes {
        let classes = Array(Set(examples.map(\.label))).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var rows: [TextFeatures.Key: Int32] = [:]
        var keys: [TextFeatures.Key] = []
        var counts: [Float] = []
        var classTotals = [Float](repeating: 0, count: classes.count)
        var documents = [Float](repeating: 0, count: classes.count)
        // Sorted features so that row numbers (and the model file) do not depend on hash order.
        for example in examples {
            let c = classIndex[example.label]!
            documents[c] += 1
            for key in example.features.sorted() {
                let row: Int32
                if let existing = rows[key] {
                    row = existing
                } else {
                    row = Int32(rows.count)
                    rows[key] = row
                    keys.append(key)
                    counts.append(contentsOf: [Float](repeating: 0, count: classes.count))
                }
                counts[Int(row) * classes.count + c] += 1
                classTotals[c] += 1
            }
        }
        let vocabulary = Float(rows.count)
        var logLikelihoods = counts
        for row in 0..<rows.count {
            for c in 0..<classes.count {
                let index = row * classes.count + c
                logLikelihoods[index] = logf((counts[index] + alpha) / (classTotals[c] + alpha * vocabulary))
            }
        }
        let total = documents.reduce(0, +)
        return NaiveBayes(classes: classes, logPriors: documents.map { logf($0 / total) }, featureKeys: keys,
                          logLikelihoods: logLikelihoods)
    }

    /// Posterior probabilities per class (softmax of the log scores), and the features that pushed the
    /// winner most.
    func predict(_ features: [TextFeatures.Key]) -> Prediction {
        let (scores, known) = logScores(features)
        return Prediction(model: self, probabilities: Self.softmax(scores, temperature: temperature),
                          best: scores.indices.max { scores[$0] < scores[$1] }!, knownRows: known)
    }

    /// log P(class) + Σ log P(feature | class) over the known features.
    func logScores(_ features: [TextFeatures.Key]) -> (scores: [Float], knownRows: [Int32]) {
        let width = classes.count
        var scores = logPriors
        var known: [Int32] = []
        known.reserveCapacity(features.count)
        for key in features {
            guard let row = featureRows[key] else { continue }
            known.append(row)
            let base = Int(row) * width
            for c in 0..<width { scores[c] += logLikelihoods[base + c] }
        }
        return (scores, known)
    }

    static func softmax(_ scores: [Float], temperature: Float) -> [Float] {
        let top = scores.max()!
        let exponentials = scores.map { expf(($0 - top) / temperature) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }

    struct Prediction {
        let model: NaiveBayes
        let probabilities: [Float]
        let best: Int

        fileprivate let knownRows: [Int32]

        var label: String { model.classes[best] }
        var confidence: Double { Double(probabilities[best]) }

        func probability(of label: String) -> Double {
            model.classes.firstIndex(of: label).map { Double(probabilities[$0]) } ?? 0
        }

        /// The features whose likelihood most favours the winner over the average class.
        func topFeatures(_ count: Int) -> [String] {
            let width = model.classes.count
            let ranked = knownRows.map { row -> (Int32, Float) in
                let base = Int(row) * width
                let mean = (0..<width).reduce(Float(0)) { $0 + model.logLikelihoods[base + $1] } / Float(width)
                return (row, model.logLikelihoods[base + best] - mean)
            }.sorted { $0.1 > $1.1 }
            return ranked.prefix(count).map { TextFeatures.describe(model.featureKeys[Int($0.0)]) }
        }
    }
}
