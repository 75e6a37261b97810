import Foundation
import MinshengModel

/// Trains the four text models from labelled examples. For each task (category, level, police, critical)
/// it compares naive Bayes, logistic regression and a blend of the two by 5-fold cross-validation on the
/// training split (never the test split), keeps the best by macro-F1 (critical: by its precision at the
/// recall target), calibrates it with a temperature fitted on the held-out folds, chooses the share of the
/// nearest training texts' opinion in the critical model, and measures the critical and police thresholds
/// there.
enum ClassifierTrainer {
    static let folds = 5
    /// A feature must occur in this many training texts to enter the vocabulary.
    static let minimumDocuments = 2
    static let smoothings: [Float] = [0.05, 0.2]
    static let logisticCandidates: [LogisticRegressionTrainer.Parameters] = [
        .init(l2: 1e-5, epochs: 12, learningRate: 0.2),
        .init(l2: 1e-4, epochs: 12, learningRate: 0.2),
        .init(l2: 1e-5, epochs: 25, learningRate: 0.5),
        .init(l2: 1e-4, epochs: 25, learningRate: 0.5),
        .init(l2: 1e-6, epochs: 25, learningRate: 0.1),
        .init(l2: 3e-4, epochs: 25, learningRate: 0.5),
    ]
    static let mixes: [Float] = [0.25, 0.5, 0.75]
    /// Held-out critical recall the critical threshold keeps (rules included).
    static let criticalRecallTarget = 0.98

    /// One classification task over the examples.
    struct Task {
        var name: String
        var classes: [String]
        var labels: [Int]

        init(name: String, values: [String]) {
            self.name = name
            classes = Array(Set(values)).sorted()
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            labels = values.map { index[$0]! }
        }
    }

    static func tasks(_ examples: [CorpusExample]) -> [Task] {
        [Task(name: "category", values: examples.map(\.category.rawValue)),
         Task(name: "level", values: examples.map(\.level.rawValue)),
         Task(name: "police", values: examples.map { String($0.police) }),
         Task(name: "critical", values: examples.map { String($0.level == .critical) })]
    }

    /// The examples as vocabulary rows.
    struct Prepared {
        var vocabulary: FeatureVocabulary
        var data: TrainingData
        var documentFrequency: [UInt16]
        var topicWeight: [UInt8]
    }

    /// Pseudo-texts of the overall category mix added to each n-gram's texts before its topic weight is
    /// measured: an n-gram must be seen in several texts of few categories to weigh much.
    static let topicSmoothing = 10.0
    /// Rows kept per training text as an exemplar for report similarity.
    static let exemplarRows = 64

    /// `withoutPlaceNames` takes the gazetteer's names out of a text before the topic weights are
    /// counted (report similarity compares texts without them; a village name must not lend its
    /// characters, 桥 of 赵家桥村, the weight of every category it appears in).
    static func prepare(_ examples: [CorpusExample], withoutPlaceNames: (String) -> String = { $0 }) -> Prepared {
        let features = examples.map(\.input.features)
        let vocabulary = FeatureVocabulary.build(from: features, minimumDocuments: minimumDocuments)
        let rows = features.map { vocabulary.rows(of: $0) }
        var frequency = [Int](repeating: 0, count: vocabulary.count)
        for list in rows { for row in list { frequency[Int(row)] += 1 } }
        // Categories of the texts holding each n-gram, smoothed towards the overall mix.
        let categories = MinshengModel.Category.allCases
        let categoryIndex = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        var counts = [Double](repeating: 0, count: vocabulary.count * categories.count)
        var prior = [Double](repeating: 0, count: categories.count)
        for example in examples {
            let c = categoryIndex[example.category]!
            prior[c] += 1
            for row in vocabulary.rows(of: TextFeatures.keys(of: withoutPlaceNames(example.text))) {
                counts[Int(row) * categories.count + c] += 1
            }
        }
        prior = prior.map { $0 / Double(max(1, examples.count)) }
        let maximumEntropy = log(Double(categories.count))
        let topicWeight = (0..<vocabulary.count).map { row -> UInt8 in
            let seen = (0..<categories.count).reduce(0.0) { $0 + counts[row * categories.count + $1] }
            let total = seen + topicSmoothing
            var entropy = 0.0
            for c in categories.indices {
                let p = (counts[row * categories.count + c] + topicSmoothing * prior[c]) / total
                if p > 0 { entropy -= p * log(p) }
            }
            return UInt8(max(0, min(255, ((1 - entropy / maximumEntropy) * 255).rounded())))
        }
        return Prepared(vocabulary: vocabulary, data: TrainingData(rows: rows, vocabularySize: vocabulary.count),
                        documentFrequency: frequency.map { UInt16(min($0, Int(UInt16.max))) }, topicWeight: topicWeight)
    }

    // MARK: Fitting a chosen recipe

    static func fit(_ recipe: TrainingRecipe, task: Task, data: TrainingData) -> LinearTextModel {
        var model: LinearTextModel
        switch recipe.kind {
        case .naiveBayes:
            model = NaiveBayesTrainer.train(data, labels: task.labels, classes: task.classes, smoothing: recipe.smoothing)
        case .logisticRegression:
            model = LogisticRegressionTrainer.train(data, labels: task.labels, classes: task.classes,
                                                    parameters: .init(l2: recipe.l2, epochs: recipe.epochs, learningRate: recipe.learningRate))
        case .blend:
            let bayes = NaiveBayesTrainer.train(data, labels: task.labels, classes: task.classes, smoothing: recipe.smoothing)
            let logistic = LogisticRegressionTrainer.train(data, labels: task.labels, classes: task.classes,
                                                           parameters: .init(l2: recipe.l2, epochs: recipe.epochs, learningRate: recipe.learningRate))
            model = bayes.blended(recipe.mix / recipe.naiveBayesTemperature, with: logistic,
                                  (1 - recipe.mix) / recipe.logisticTemperature)
        }
        model.temperature = recipe.temperature
        return model
    }

    /// The model file from the examples and the recipes chosen before (what `train` writes, without
    /// the comparison): a test refits it to check the shipped file is not stale.
    static func fit(_ examples: [CorpusExample], recipes: [TrainingRecipe], source: String,
                    withoutPlaceNames: (String) -> String = { $0 }) -> ClassifierModel {
        let prepared = prepare(examples, withoutPlaceNames: withoutPlaceNames)
        let tasks = tasks(examples)
        let models = zip(recipes, tasks).map { fit($0, task: $1, data: prepared.data) }
        return ClassifierModel(
            vocabulary: prepared.vocabulary, category: models[0], level: models[1], police: models[2], critical: models[3],
            documentFrequency: prepared.documentFrequency, topicWeight: prepared.topicWeight, documentCount: examples.count,
            exemplars: exemplars(prepared, count: examples.count), exemplarCritical: examples.map { $0.level == .critical },
            recipes: recipes,
            trainedOn: "\(source): \(examples.count) examples, character 1-3-grams in at least \(minimumDocuments) texts "
                + "(\(prepared.vocabulary.count) features); " + recipes.map { "\($0.task): \($0.summary)" }.joined(separator: "; "))
    }

    /// Each training text's most telling rows: text n-grams (not context features) by topic weight times IDF.
    static func exemplars(_ prepared: Prepared, count: Int) -> [[Int32]] {
        prepared.data.rows.map { rows in
            let scored = rows.filter { TextFeatures.length(prepared.vocabulary.keys[Int($0)]) >= 1 }.map { row -> (Int32, Double) in
                let idf = log(Double(count + 1) / Double(Int(prepared.documentFrequency[Int(row)]) + 1)) + 1
                return (row, idf * Double(prepared.topicWeight[Int(row)]))
            }.filter { $0.1 > 0 }
            return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(exemplarRows).map(\.0).sorted()
        }
    }

    // MARK: Choosing by cross-validation

    struct Result {
        var model: ClassifierModel
        /// The lowest critical probability that, with the rules, keeps held-out critical recall >= the target.
        var criticalThreshold: Double
        /// The police probability with the best held-out accuracy (rules included).
        var policeThreshold: Double
        /// The comparison and the held-out figures.
        var report: String
        /// Every candidate's held-out figures, per task.
        var comparison: [String: [CandidateScore]]
    }

    struct CandidateScore {
        var recipe: TrainingRecipe
        var name: String
        var macroF1: Double
        var accuracy: Double
        var logLoss: Double
    }

    /// Out-of-fold scores of each example: from a model trained on the other folds.
    typealias OutOfFold = [[Float]]

    static func outOfFold(_ data: TrainingData, task: Task, train: (TrainingData, [Int]) -> LinearTextModel) -> OutOfFold {
        var result = OutOfFold(repeating: [], count: data.rows.count)
        for fold in 0..<folds {
            let training = data.rows.indices.filter { $0 % folds != fold }
            let model = train(data.subset(training), training.map { task.labels[$0] })
            for index in data.rows.indices where index % folds == fold {
                result[index] = model.scores(data.rows[index])
            }
        }
        return result
    }

    static func train(_ examples: [CorpusExample], source: String, withoutPlaceNames: (String) -> String = { $0 },
                      log: (String) -> Void = { _ in }) -> Result {
        let prepared = prepare(examples, withoutPlaceNames: withoutPlaceNames)
        let tasks = tasks(examples)
        let criticalRule = examples.map { KeywordRules.criticalPhrase(in: $0.text) != nil }
        var recipes: [TrainingRecipe] = []
        var chosenOutOfFold: [OutOfFold] = []
        var comparison: [String: [CandidateScore]] = [:]
        var lines: [String] = ["\(folds)-fold cross-validation on the training split (\(examples.count) examples, "
                               + "\(prepared.vocabulary.count) features); macro-F1 / accuracy / log-loss after calibration:"]
        for task in tasks {
            var scored: [(CandidateScore, OutOfFold)] = []
            func consider(_ recipe: TrainingRecipe, name: String, _ held: OutOfFold) {
                var recipe = recipe
                recipe.temperature = fitTemperature(held, labels: task.labels)
                let score = CandidateScore(recipe: recipe, name: name, macroF1: macroF1(held, labels: task.labels, classes: task.classes.count),
                                           accuracy: accuracy(held, labels: task.labels),
                                           logLoss: negativeLogLikelihood(held, labels: task.labels, temperature: recipe.temperature))
                log("\(task.name) \(name): macro-F1 \(format(score.macroF1))")
                scored.append((score, held))
            }
            let base = TrainingRecipe(task: task.name, kind: .naiveBayes, smoothing: smoothings[0], l2: 0, epochs: 0, learningRate: 0,
                                      mix: 1, naiveBayesTemperature: 1, logisticTemperature: 1, temperature: 1)
            var bestBayes: (TrainingRecipe, OutOfFold, Double)?
            for alpha in smoothings {
                var recipe = base
                recipe.smoothing = alpha
                let held = outOfFold(prepared.data, task: task) { data, labels in
                    NaiveBayesTrainer.train(data, labels: labels, classes: task.classes, smoothing: alpha)
                }
                consider(recipe, name: "naive Bayes, smoothing \(alpha)", held)
                let f1 = macroF1(held, labels: task.labels, classes: task.classes.count)
                if bestBayes == nil || f1 > bestBayes!.2 { bestBayes = (recipe, held, f1) }
            }
            var bestLogistic: (TrainingRecipe, OutOfFold, Double)?
            for parameters in logisticCandidates {
                var recipe = base
                recipe.kind = .logisticRegression
                recipe.mix = 0
                recipe.l2 = parameters.l2
                recipe.epochs = parameters.epochs
                recipe.learningRate = parameters.learningRate
                let held = outOfFold(prepared.data, task: task) { data, labels in
                    LogisticRegressionTrainer.train(data, labels: labels, classes: task.classes, parameters: parameters)
                }
                consider(recipe, name: "logistic regression, \(parameters)", held)
                let f1 = macroF1(held, labels: task.labels, classes: task.classes.count)
                if bestLogistic == nil || f1 > bestLogistic!.2 { bestLogistic = (recipe, held, f1) }
            }
            if let (bayes, bayesHeld, _) = bestBayes, let (logistic, logisticHeld, _) = bestLogistic {
                let bayesTemperature = fitTemperature(bayesHeld, labels: task.labels)
                let logisticTemperature = fitTemperature(logisticHeld, labels: task.labels)
                for mix in mixes {
                    var recipe = logistic
                    recipe.kind = .blend
                    recipe.smoothing = bayes.smoothing
                    recipe.mix = mix
                    recipe.naiveBayesTemperature = bayesTemperature
                    recipe.logisticTemperature = logisticTemperature
                    let held = zip(bayesHeld, logisticHeld).map { b, l in
                        zip(b, l).map { mix * $0 / bayesTemperature + (1 - mix) * $1 / logisticTemperature }
                    }
                    consider(recipe, name: "blend, \(mix) naive Bayes", held)
                }
            }
            // The best macro-F1; on a tie (within 0.002) the simpler, earlier candidate. The critical model
            // exists to catch critical reports without crying wolf: it is chosen by its held-out precision
            // at the recall target (with the rules, as the service applies them).
            var chosen = scored[0]
            if task.name == "critical" {
                let yes = task.classes.firstIndex(of: "true")!
                let truth = task.labels.map { $0 == yes }
                func precision(_ candidate: (CandidateScore, OutOfFold)) -> Double {
                    let probabilities = Self.criticalProbabilities(candidate.1, examples: examples, yes: yes, recipe: candidate.0.recipe)
                    return criticalOperatingPoint(probabilities, rule: criticalRule, truth: truth, target: criticalRecallTarget).precision
                }
                var best = precision(chosen)
                for candidate in scored.dropFirst() {
                    let value = precision(candidate)
                    log("critical \(candidate.0.name): held-out precision at recall \(criticalRecallTarget) \(format(value))")
                    if value > best + 0.002 { (chosen, best) = (candidate, value) }
                }
            } else {
                for candidate in scored.dropFirst() where candidate.0.macroF1 > chosen.0.macroF1 + 0.002 { chosen = candidate }
            }
            recipes.append(chosen.0.recipe)
            chosenOutOfFold.append(chosen.1)
            comparison[task.name] = scored.map(\.0)
            lines.append("  \(task.name):")
            for (score, _) in scored {
                lines.append("    " + (score.name == chosen.0.name ? "* " : "  ") + score.name.padding(toLength: 52, withPad: " ", startingAt: 0)
                             + "\(format(score.macroF1))  \(format(score.accuracy))  \(format(score.logLoss))")
            }
            lines.append("    temperature \(chosen.0.recipe.temperature)")
        }

        // The nearest training texts' opinion on critical, blended with the chosen critical model in the share
        // that gives the best held-out precision at the recall target (none unless it gains).
        let criticalTask = tasks[3]
        let criticalIndex = criticalTask.classes.firstIndex(of: "true")!
        let isCritical = criticalTask.labels.map { $0 == criticalIndex }
        let neighbourMargins = outOfFoldNeighbourMargins(prepared, examples: examples)
        let neighbourTemperature = fitTemperature(neighbourMargins.map { [0, Float($0)] }, labels: isCritical.map { $0 ? 1 : 0 })
        var neighbourLine = "critical with its \(CriticalNeighbours.count) nearest training texts' opinion (temperature \(neighbourTemperature)), "
            + "held-out precision at recall \(criticalRecallTarget) by its share:"
        var chosenMix: (mix: Float, precision: Double)?
        for mix in [Float(0)] + neighbourMixes {
            var recipe = recipes[3]
            (recipe.neighbourMix, recipe.neighbourTemperature) = (mix, neighbourTemperature)
            let probabilities = criticalProbabilities(chosenOutOfFold[3], examples: examples, yes: criticalIndex, recipe: recipe,
                                                      neighbourMargins: neighbourMargins)
            let precision = criticalOperatingPoint(probabilities, rule: criticalRule, truth: isCritical, target: criticalRecallTarget).precision
            neighbourLine += " \(mix): \(format(precision))"
            if chosenMix == nil || precision > chosenMix!.precision + 0.002 { chosenMix = (mix, precision) }
        }
        lines.append(neighbourLine)
        if let chosenMix, chosenMix.mix > 0 {
            (recipes[3].neighbourMix, recipes[3].neighbourTemperature) = (chosenMix.mix, neighbourTemperature)
        }

        // Thresholds on the chosen models' held-out probabilities, with the rules as the service applies them.
        let criticalProbabilities = criticalProbabilities(chosenOutOfFold[3], examples: examples, yes: criticalIndex,
                                                          recipe: recipes[3], neighbourMargins: neighbourMargins)
        let chosenPoint = criticalOperatingPoint(criticalProbabilities, rule: criticalRule, truth: isCritical, target: criticalRecallTarget)
        let criticalThreshold = chosenPoint.threshold
        for target in [0.97, 0.98, 0.99] {
            let point = criticalOperatingPoint(criticalProbabilities, rule: criticalRule, truth: isCritical, target: target)
            lines.append("held-out critical recall \(target) (with the rules): threshold \(format(point.threshold)), precision \(format(point.precision))")
        }
        for index in isCritical.indices.filter({ isCritical[$0] && !criticalRule[$0] }).sorted(by: { criticalProbabilities[$0] < criticalProbabilities[$1] }).prefix(25) {
            log("held-out critical, lowest: \(format(criticalProbabilities[index])) \(examples[index].id) \(examples[index].text)")
        }
        for index in isCritical.indices.filter({ !isCritical[$0] }).sorted(by: { criticalProbabilities[$0] > criticalProbabilities[$1] }).prefix(25) {
            log("held-out not critical, highest: \(format(criticalProbabilities[index])) \(examples[index].id) \(examples[index].level.rawValue) \(examples[index].text)")
        }
        let criticalPrecision = chosenPoint.precision
        lines.append("critical rules alone: \(isCritical.indices.filter { isCritical[$0] && criticalRule[$0] }.count) of "
                     + "\(isCritical.filter { $0 }.count) critical examples, \(isCritical.indices.filter { !isCritical[$0] && criticalRule[$0] }.count) "
                     + "others; defused texts: \(examples.filter { KeywordRules.isDefused($0.text) }.count)")

        let policeTask = tasks[2]
        let policeIndex = policeTask.classes.firstIndex(of: "true")!
        let policeProbabilities = chosenOutOfFold[2].map {
            Double(LinearTextModel.softmax($0, temperature: recipes[2].temperature)[policeIndex])
        }
        let policeRule = examples.map { KeywordRules.policeMatcher.firstMatch(in: $0.text) != nil }
        func policeAccuracy(_ threshold: Double) -> Double {
            Double(examples.indices.filter { (policeRule[$0] || policeProbabilities[$0] >= threshold) == examples[$0].police }.count)
                / Double(examples.count)
        }
        let policeThreshold = stride(from: 0.05, through: 0.95, by: 0.05).max { policeAccuracy($0) < policeAccuracy($1) }!
        lines.append("critical probability keeping \(Int(criticalRecallTarget * 100))% held-out critical recall with the rules: "
                     + "\(format(criticalThreshold)) (held-out precision \(format(criticalPrecision)))")
        lines.append("police probability with the best held-out accuracy with the rules: \(format(policeThreshold)) "
                     + "(accuracy \(format(policeAccuracy(policeThreshold))))")

        let model = fit(examples, recipes: recipes, source: source, withoutPlaceNames: withoutPlaceNames)
        return Result(model: model, criticalThreshold: criticalThreshold, policeThreshold: policeThreshold,
                      report: lines.joined(separator: "\n"), comparison: comparison)
    }

    // MARK: Figures

    /// Shares of the nearest training texts' opinion tried in the critical log-odds (besides none).
    static let neighbourMixes: [Float] = [0.3, 0.5, 0.7]

    /// Each example's nearest-training-texts log-odds of critical (`CriticalNeighbours`), asked with the
    /// texts of its own fold left out, as cross-validation asks the models.
    static func outOfFoldNeighbourMargins(_ prepared: Prepared, examples: [CorpusExample]) -> [Double] {
        let neighbours = CriticalNeighbours(vocabulary: prepared.vocabulary, exemplars: exemplars(prepared, count: examples.count),
                                            isCritical: examples.map { $0.level == .critical },
                                            documentFrequency: prepared.documentFrequency, documentCount: examples.count)
        return prepared.data.rows.indices.map { index in
            neighbours.margin(rows: prepared.data.rows[index]) { $0 % folds == index % folds }
        }
    }

    /// The critical probability of each example as the service computes it (`EventClassifier`): the critical
    /// model's log-odds over its temperature, blended with the neighbours' over theirs when the recipe says
    /// so; 0 where the model alone cannot raise the report (`KeywordRules.isDefused`: the text says the
    /// danger is over).
    static func criticalProbabilities(_ held: OutOfFold, examples: [CorpusExample], yes: Int, recipe: TrainingRecipe,
                                      neighbourMargins: [Double]? = nil) -> [Double] {
        examples.indices.map { index in
            KeywordRules.isDefused(examples[index].text) ? 0
                : CriticalNeighbours.blend(scores: held[index], yes: yes, recipe: recipe, neighbourMargin: neighbourMargins?[index])
        }
    }

    /// The highest threshold (on a grid of 0.005) at which "a rule fires or the probability reaches it" keeps
    /// recall >= target, and the precision there.
    static func criticalOperatingPoint(_ probabilities: [Double], rule: [Bool], truth: [Bool], target: Double) -> (threshold: Double, precision: Double) {
        let positives = max(1, truth.filter { $0 }.count)
        let threshold = stride(from: 0.995, through: 0.005, by: -0.005).first { threshold in
            Double(truth.indices.filter { truth[$0] && (rule[$0] || probabilities[$0] >= threshold) }.count) / Double(positives) >= target
        } ?? 0.005
        let flagged = truth.indices.filter { rule[$0] || probabilities[$0] >= threshold }
        return ((threshold * 1000).rounded() / 1000, Double(flagged.filter { truth[$0] }.count) / Double(max(1, flagged.count)))
    }

    static func predictions(_ held: OutOfFold) -> [Int] {
        held.map { scores in scores.indices.max { scores[$0] < scores[$1] }! }
    }

    static func accuracy(_ held: OutOfFold, labels: [Int]) -> Double {
        Double(zip(predictions(held), labels).filter { $0 == $1 }.count) / Double(max(1, labels.count))
    }

    static func macroF1(_ held: OutOfFold, labels: [Int], classes: Int) -> Double {
        var tp = [Int](repeating: 0, count: classes), predicted = tp, actual = tp
        for (guess, truth) in zip(predictions(held), labels) {
            predicted[guess] += 1
            actual[truth] += 1
            if guess == truth { tp[truth] += 1 }
        }
        let scores = (0..<classes).filter { actual[$0] > 0 }.map { c -> Double in
            let precision = predicted[c] == 0 ? 0 : Double(tp[c]) / Double(predicted[c])
            let recall = Double(tp[c]) / Double(actual[c])
            return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        }
        return scores.reduce(0, +) / Double(max(1, scores.count))
    }

    static func negativeLogLikelihood(_ held: OutOfFold, labels: [Int], temperature: Float) -> Double {
        zip(held, labels).reduce(0.0) { sum, pair in
            sum - log(max(1e-12, Double(LinearTextModel.softmax(pair.0, temperature: temperature)[pair.1])))
        } / Double(max(1, labels.count))
    }

    /// The temperature with the lowest held-out log-loss: a coarse grid, then a finer one around the best.
    static func fitTemperature(_ held: OutOfFold, labels: [Int]) -> Float {
        let coarse: [Float] = [0.25, 0.35, 0.5, 0.7, 1, 1.4, 2, 2.8, 4, 5.6, 8, 11, 16, 23, 32, 45, 64]
        let best = coarse.min { negativeLogLikelihood(held, labels: labels, temperature: $0) < negativeLogLikelihood(held, labels: labels, temperature: $1) }!
        let fine = stride(from: best * 0.75, through: best * 1.3, by: best * 0.05).map { ($0 * 1000).rounded() / 1000 }
        return fine.min { negativeLogLikelihood(held, labels: labels, temperature: $0) < negativeLogLikelihood(held, labels: labels, temperature: $1) }!
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
