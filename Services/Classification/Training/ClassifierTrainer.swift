/// Trains the three text models from labelled examples, and calibrates each on held-out folds of the
/// training data (never the test split).
enum ClassifierTrainer {
    /// Additive smoothing, chosen by 5-fold cross-validation on the training split (docs/classification.md).
    static let defaultSmoothing: Float = 0.1
    static let folds = 5
    static let temperatures: [Float] = [1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64]

    struct Result {
        var model: ClassifierModel
        /// The highest critical probability threshold at which held-out critical recall is still >= 0.97.
        var criticalThreshold: Double
        /// The police probability threshold with the best held-out accuracy.
        var policeThreshold: Double
        /// Held-out (cross-validated) figures on the training split.
        var report: String
    }

    static func train(_ examples: [CorpusExample], smoothing: Float = defaultSmoothing, source: String) -> Result {
        let features = examples.map(\.input.features)
        let labelings: [[String]] = [
            examples.map(\.category.rawValue), examples.map(\.level.rawValue), examples.map { String($0.police) },
        ]
        var models: [NaiveBayes] = []
        var outOfFold: [[(scores: [Float], truth: Int)]] = []
        for labels in labelings {
            var model = NaiveBayes.train(zip(features, labels).map { ($0, $1) }, smoothing: smoothing)
            // Scores of each example from a model that did not see it.
            var held: [(scores: [Float], truth: Int)] = Array(repeating: ([], 0), count: examples.count)
            for fold in 0..<folds {
                let training = examples.indices.filter { $0 % folds != fold }
                let foldModel = NaiveBayes.train(training.map { (features[$0], labels[$0]) }, smoothing: smoothing)
                for index in examples.indices where index % folds == fold {
                    let scores = foldModel.logScores(features[index]).scores
                    // Align to the full model's class order (a fold may miss a rare class).
                    let aligned = model.classes.map { label in foldModel.classes.firstIndex(of: label).map { scores[$0] } ?? -1e9 }
                    held[index] = (aligned, model.classes.firstIndex(of: labels[index])!)
                }
            }
            model.temperature = temperatures.min { negativeLogLikelihood(held, $0) < negativeLogLikelihood(held, $1) }!
            models.append(model)
            outOfFold.append(held)
        }
        let criticalIndex = models[1].classes.firstIndex(of: "critical")!
        let criticalProbabilities = outOfFold[1].filter { $0.truth == criticalIndex }
            .map { Double(NaiveBayes.softmax($0.scores, temperature: models[1].temperature)[criticalIndex]) }
            .sorted()
        // Keep at least 97 % of the held-out critical examples at or above the threshold.
        let allowedMisses = Int(Double(criticalProbabilities.count) * 0.03)
        let threshold = criticalProbabilities.isEmpty ? 0.5 : criticalProbabilities[allowedMisses]
        let policeIndex = models[2].classes.firstIndex(of: "true")!
        let policeHeld = outOfFold[2].map { (Double(NaiveBayes.softmax($0.scores, temperature: models[2].temperature)[policeIndex]), $0.truth == policeIndex) }
        let policeThreshold = stride(from: 0.05, through: 0.95, by: 0.05).max { a, b in
            policeHeld.filter { ($0.0 >= a) == $0.1 }.count < policeHeld.filter { ($0.0 >= b) == $0.1 }.count
        }!
        func accuracy(_ held: [(scores: [Float], truth: Int)]) -> Double {
            Double(held.filter { example in
                example.scores.indices.max { example.scores[$0] < example.scores[$1] } == example.truth
            }.count) / Double(held.count)
        }
        let report = """
            held-out accuracy on the training split (\(folds)-fold): category \(format(accuracy(outOfFold[0]))), \
            level \(format(accuracy(outOfFold[1]))), police \(format(accuracy(outOfFold[2])))
            temperatures: category \(models[0].temperature), level \(models[1].temperature), police \(models[2].temperature)
            critical probability keeping 97% held-out critical recall: \(format(threshold))
            police probability with the best held-out accuracy: \(format(policeThreshold))
            """
        let model = ClassifierModel(
            category: models[0], level: models[1], police: models[2],
            trainedOn: "\(source): \(examples.count) examples, naive Bayes, character 1-2-grams, smoothing \(smoothing)")
        return Result(model: model, criticalThreshold: threshold, policeThreshold: policeThreshold, report: report)
    }

    static func negativeLogLikelihood(_ held: [(scores: [Float], truth: Int)], _ temperature: Float) -> Double {
        held.reduce(0.0) { sum, example in
            sum - log(max(1e-12, Double(NaiveBayes.softmax(example.scores, temperature: temperature)[example.truth])))
        } / Double(held.count)
    }

    private static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

import Foundation
