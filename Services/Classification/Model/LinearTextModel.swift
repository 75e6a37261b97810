import Foundation

/// A linear model over the rows of a `FeatureVocabulary`: each class scores its bias plus the weights
/// of the features present, and a softmax of the scores divided by a temperature gives the
/// probabilities. Naive Bayes (bias = log prior, weights = log likelihoods), logistic regression and a
/// log-linear blend of the two all take this one form, so the service runs whichever was chosen at the
/// same cost (docs/classification.md).
struct LinearTextModel: Sendable, Equatable {
    /// Class labels, in the order of every weight row.
    let classes: [String]
    /// One per class.
    let bias: [Float]
    /// `classes.count` weights per vocabulary row.
    let weights: [Float]
    /// Scores are divided by this before the softmax; fitted on held-out folds so that a probability of
    /// 0.6 means about 60 % right.
    var temperature: Float

    init(classes: [String], bias: [Float], weights: [Float], temperature: Float = 1) {
        precondition(bias.count == classes.count && weights.count % max(1, classes.count) == 0)
        self.classes = classes
        self.bias = bias
        self.weights = weights
        self.temperature = temperature
    }

    var rowCount: Int { weights.count / classes.count }

    /// Raw scores (before the temperature) of the given vocabulary rows.
    func scores(_ rows: [Int32]) -> [Float] {
        let width = classes.count
        var scores = bias
        weights.withUnsafeBufferPointer { weights in
            scores.withUnsafeMutableBufferPointer { scores in
                for row in rows {
                    let base = Int(row) * width
                    for c in 0..<width { scores[c] += weights[base + c] }
                }
            }
        }
        return scores
    }

    func predict(_ rows: [Int32]) -> Prediction {
        let scores = scores(rows)
        return Prediction(model: self, rows: rows, probabilities: Self.softmax(scores, temperature: temperature),
                          best: scores.indices.max { scores[$0] < scores[$1] }!)
    }

    static func softmax(_ scores: [Float], temperature: Float) -> [Float] {
        let top = scores.max()!
        let exponentials = scores.map { expf(($0 - top) / temperature) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }

    /// `a · self + b · other`, class by class (both over the same vocabulary and classes), temperature 1.
    func blended(_ a: Float, with other: LinearTextModel, _ b: Float) -> LinearTextModel {
        precondition(classes == other.classes && weights.count == other.weights.count)
        return LinearTextModel(classes: classes, bias: zip(bias, other.bias).map { a * $0 + b * $1 },
                               weights: zip(weights, other.weights).map { a * $0 + b * $1 })
    }

    struct Prediction: Sendable {
        let model: LinearTextModel
        let rows: [Int32]
        let probabilities: [Float]
        let best: Int

        var label: String { model.classes[best] }
        var confidence: Double { Double(probabilities[best]) }

        func probability(of label: String) -> Double {
            model.classes.firstIndex(of: label).map { Double(probabilities[$0]) } ?? 0
        }

        /// The rows whose weights most favour the winner over the average class.
        func topRows(_ count: Int) -> [Int32] {
            let width = model.classes.count
            return rows.map { row -> (Int32, Float) in
                let base = Int(row) * width
                let mean = (0..<width).reduce(Float(0)) { $0 + model.weights[base + $1] } / Float(width)
                return (row, model.weights[base + best] - mean)
            }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(count).map(\.0)
        }
    }
}
