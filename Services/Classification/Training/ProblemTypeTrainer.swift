import Foundation
import MinshengModel

/// Trains the `ProblemTypeModel` from the labelled training texts: multinomial logistic regression over
/// the vocabulary's text n-grams of each text with its place names taken out, then the weights too
/// small to matter dropped.
enum ProblemTypeTrainer {
    /// The recipe with the best 5-fold cross-validated accuracy of the 21 compared (`train
    /// --problem-type-recipes`; docs/classification.md, "Problem types"): 0.722, against 0.682 for the
    /// category model's recipe, used until the ninth session; 0.774 with the texts for the type model alone.
    static let parameters = LogisticRegressionTrainer.Parameters(l2: 3e-5, epochs: 50, learningRate: 0.25)
    /// Weights of smaller magnitude are dropped (`ProblemTypeModel` keeps them sparse).
    static let keptWeight: Float = 0.05

    /// The model with a problem-type model trained on `examples` (the model's own training texts, in
    /// its order) and `labels` attached.
    static func attach(_ labels: ProblemTypeLabels, to model: ClassifierModel, examples: [CorpusExample],
                       withoutPlaceNames: (String) -> String) throws -> ClassifierModel {
        var model = model
        let (typeModel, source) = try train(labels, vocabulary: model.vocabulary, examples: examples, withoutPlaceNames: withoutPlaceNames)
        model.problemTypeModel = typeModel
        model.problemTypeSource = source
        return model
    }

    static func train(_ labels: ProblemTypeLabels, vocabulary: FeatureVocabulary, examples: [CorpusExample],
                      withoutPlaceNames: (String) -> String) throws -> (ProblemTypeModel, UInt64) {
        let corpus = try rows(labels, vocabulary: vocabulary, examples: examples, withoutPlaceNames: withoutPlaceNames)
        let extra = typeTextRows(labels, vocabulary: vocabulary, withoutPlaceNames: withoutPlaceNames)
        let rows = corpus.rows + extra.rows
        let targets = corpus.targets + extra.targets
        guard !rows.isEmpty else { throw ModelFileError("no training text has a problem type") }
        let dense = LogisticRegressionTrainer.train(TrainingData(rows: rows, vocabularySize: vocabulary.count), labels: targets,
                                                    classes: labels.types, parameters: parameters)
        let model = ProblemTypeModel(types: labels.types, bias: dense.bias, denseWeights: dense.weights, threshold: keptWeight)
        return (model, source(labels, vocabulary: vocabulary, examples: examples, withoutPlaceNames: withoutPlaceNames))
    }

    /// How a recipe does in `folds`-fold cross-validation on the labelled texts (texts i with i mod folds
    /// = k held out in fold k): the share whose likeliest type is the label (accuracy), the share whose
    /// label is among the `SignatureMaker.problemTypesKept` likeliest (what a signature holds), and the
    /// mean probability given to the label, all with the weights below `kept` dropped as shipped.
    struct CrossValidation: Sendable {
        var accuracy: Double
        var amongKept: Double
        var meanLabelProbability: Double
        /// How often each label was taken for each other type ("label → likeliest"), the commonest first.
        var confusions: [(label: String, taken: String, count: Int)]
    }

    /// The texts written for the type model alone (`typeTexts`) are in every fold's training part and are
    /// never held out: the figures are those of the labelled corpus, comparable with and without them.
    static func crossValidate(_ labels: ProblemTypeLabels, vocabulary: FeatureVocabulary, examples: [CorpusExample],
                              withoutPlaceNames: (String) -> String, parameters: LogisticRegressionTrainer.Parameters,
                              kept: Float = keptWeight, folds: Int = 5, typeTexts: Bool = true) throws -> CrossValidation {
        let (rows, targets) = try Self.rows(labels, vocabulary: vocabulary, examples: examples, withoutPlaceNames: withoutPlaceNames)
        let extra: (rows: [[Int32]], targets: [Int]) = typeTexts ? typeTextRows(labels, vocabulary: vocabulary, withoutPlaceNames: withoutPlaceNames) : ([], [])
        var right = 0, among = 0
        var probability = 0.0
        var confused: [Pair: Int] = [:]
        for fold in 0..<folds {
            let training = rows.indices.filter { $0 % folds != fold }
            let dense = LogisticRegressionTrainer.train(TrainingData(rows: training.map { rows[$0] } + extra.rows, vocabularySize: vocabulary.count),
                                                        labels: training.map { targets[$0] } + extra.targets, classes: labels.types, parameters: parameters)
            let model = ProblemTypeModel(types: labels.types, bias: dense.bias, denseWeights: dense.weights, threshold: kept)
            for index in rows.indices where index % folds == fold {
                let probabilities = model.probabilities(rows[index])
                let label = targets[index]
                let better = probabilities.indices.filter { probabilities[$0] > probabilities[label] || (probabilities[$0] == probabilities[label] && $0 < label) }.count
                if better == 0 {
                    right += 1
                } else if let taken = probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) {
                    confused[Pair(label: label, taken: taken), default: 0] += 1
                }
                if better < SignatureMaker.problemTypesKept { among += 1 }
                probability += Double(probabilities[label])
            }
        }
        let count = Double(max(1, rows.count))
        let confusions = confused.sorted { ($0.value, $1.key.label, $1.key.taken) > ($1.value, $0.key.label, $0.key.taken) }
            .map { (label: labels.types[$0.key.label], taken: labels.types[$0.key.taken], count: $0.value) }
        return CrossValidation(accuracy: Double(right) / count, amongKept: Double(among) / count, meanLabelProbability: probability / count,
                               confusions: confusions)
    }

    private struct Pair: Hashable {
        var label: Int
        var taken: Int
    }

    /// The labelled corpus texts as vocabulary rows (place names taken out) with their type indices.
    private static func rows(_ labels: ProblemTypeLabels, vocabulary: FeatureVocabulary, examples: [CorpusExample],
                             withoutPlaceNames: (String) -> String) throws -> (rows: [[Int32]], targets: [Int]) {
        var rows: [[Int32]] = []
        var targets: [Int] = []
        for (example, type) in zip(examples, try labels.indices(for: examples)) {
            guard let type else { continue }
            rows.append(vocabulary.rows(of: TextFeatures.keys(of: withoutPlaceNames(example.text))))
            targets.append(type)
        }
        return (rows, targets)
    }

    /// The texts written for the type model alone, the same way.
    private static func typeTextRows(_ labels: ProblemTypeLabels, vocabulary: FeatureVocabulary,
                                     withoutPlaceNames: (String) -> String) -> (rows: [[Int32]], targets: [Int]) {
        let index = Dictionary(uniqueKeysWithValues: labels.types.enumerated().map { ($1, $0) })
        let typed = labels.typeTexts.compactMap { typed in index[typed.type].map { (typed.text, $0) } }
        return (typed.map { vocabulary.rows(of: TextFeatures.keys(of: withoutPlaceNames($0.0))) }, typed.map(\.1))
    }

    /// A fingerprint of what the model is trained from: the vocabulary, each text as the model sees it
    /// with its label, the types and the parameters.
    static func source(_ labels: ProblemTypeLabels, vocabulary: FeatureVocabulary, examples: [CorpusExample],
                       withoutPlaceNames: (String) -> String) -> UInt64 {
        var writer = BinaryWriter()
        writer.uint32(UInt32(vocabulary.count))
        for key in vocabulary.keys { writer.uint64(key) }
        for name in labels.types { writer.string(name) }
        for example in examples {
            writer.string(withoutPlaceNames(example.text))
            writer.string(labels.labels[example.id] ?? "")
        }
        for typed in labels.typeTexts {
            writer.string(typed.type)
            writer.string(withoutPlaceNames(typed.text))
        }
        writer.string("\(parameters) \(parameters.seed) kept \(keptWeight)")
        return FNV1a.hash(writer.buffer)
    }
}
