import Foundation

/// Multinomial naive Bayes over binary features with additive (Laplace) smoothing, as a
/// `LinearTextModel`: bias = log P(class), weight = log P(feature | class). One pass over the data.
enum NaiveBayesTrainer {
    static func train(_ data: TrainingData, labels: [Int], classes: [String], smoothing alpha: Float) -> LinearTextModel {
        let width = classes.count
        var counts = [Float](repeating: 0, count: data.vocabularySize * width)
        var classTotals = [Float](repeating: 0, count: width)
        var documents = [Float](repeating: 0, count: width)
        for (index, rows) in data.rows.enumerated() {
            let c = labels[index]
            documents[c] += 1
            for row in rows {
                counts[Int(row) * width + c] += 1
                classTotals[c] += 1
            }
        }
        let vocabulary = Float(data.vocabularySize)
        var weights = counts
        for row in 0..<data.vocabularySize {
            for c in 0..<width {
                let index = row * width + c
                weights[index] = logf((counts[index] + alpha) / (classTotals[c] + alpha * vocabulary))
            }
        }
        let total = documents.reduce(0, +)
        // A class missing from a fold gets a tiny prior rather than -infinity.
        return LinearTextModel(classes: classes, bias: documents.map { logf(max($0, 0.01) / total) }, weights: weights)
    }
}
