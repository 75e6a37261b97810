import MinshengModel

/// Decides category, level, police matter and place for an accepted event: the trained models first,
/// the hand-written rules on top where they must win, and the place from coordinates or names.
struct EventClassifier: Sendable {
    struct Decision: Sendable, Equatable {
        var category: Category
        var level: Level
        var police: Bool
        var shuangfei: Bool
        var place: Place?
        var confidence: Double
        var needsReview: Bool
        var explanation: String
        /// The calibrated probability of each category (`Category.allCases` order): report similarity
        /// compares two reports' distributions, so a report on a border (parking charges: traffic or
        /// market) still meets its neighbours.
        var categoryProbabilities: [Float]

        static func == (lhs: Decision, rhs: Decision) -> Bool {
            lhs.category == rhs.category && lhs.level == rhs.level && lhs.police == rhs.police && lhs.shuangfei == rhs.shuangfei
                && lhs.place == rhs.place && lhs.confidence == rhs.confidence && lhs.needsReview == rhs.needsReview
                && lhs.explanation == rhs.explanation
        }
    }

    let model: ClassifierModel
    let locator: PlaceLocator
    let settings: ClassificationSettings
    /// For each of the category model's classes, its index in `Category.allCases`.
    private let categoryIndex: [Int]
    private let criticalIndex: Int?
    private let criticalYes: Int?
    private let policeIndex: Int?
    /// How the critical model was made (with its share of the neighbours' opinion), and the neighbours.
    private let criticalRecipe: TrainingRecipe?
    private let criticalNeighbours: CriticalNeighbours?

    init(model: ClassifierModel, locator: PlaceLocator, settings: ClassificationSettings) {
        self.model = model
        self.locator = locator
        self.settings = settings
        let all = Category.allCases.map(\.rawValue)
        categoryIndex = model.category.classes.map { all.firstIndex(of: $0) ?? all.count - 1 }
        criticalIndex = model.level.classes.firstIndex(of: Level.critical.rawValue)
        criticalYes = model.critical.classes.firstIndex(of: "true")
        policeIndex = model.police.classes.firstIndex(of: "true")
        criticalRecipe = model.recipes.first { $0.task == "critical" }
        criticalNeighbours = (criticalRecipe?.neighbourMix ?? 0) > 0
            ? CriticalNeighbours(vocabulary: model.vocabulary, exemplars: model.exemplars, isCritical: model.exemplarCritical,
                                 documentFrequency: model.documentFrequency, documentCount: model.documentCount)
            : nil
    }

    func classify(_ event: AcceptedEvent) -> Decision {
        let rows = model.vocabulary.rows(of: ModelInput(text: event.text, source: event.source, requestType: event.requestType).features)
        var reasons: [String] = []

        let categoryPrediction = model.category.predict(rows)
        let category = Category(rawValue: categoryPrediction.label) ?? .other
        let confidence = categoryPrediction.confidence
        let features = categoryPrediction.topRows(3).map { TextFeatures.describe(model.vocabulary.keys[Int($0)]) }
        reasons.append("\(category.rawValue) \(Self.percent(confidence)) (\(features.joined(separator: ",")))")
        var probabilities = [Float](repeating: 0, count: Category.allCases.count)
        for (c, probability) in categoryPrediction.probabilities.enumerated() { probabilities[categoryIndex[c]] += probability }

        // Critical when a rule fires, or the critical probability (the critical model's, blended with its
        // nearest training texts' opinion as the recipe says) reaches the threshold and the text does not say
        // the danger is over; otherwise the most likely of the other levels.
        let levelPrediction = model.level.predict(rows)
        let criticalProbability = criticalYes.map { yes in
            guard let criticalRecipe, model.critical.classes.count == 2 else { return Double(model.critical.predict(rows).probabilities[yes]) }
            return CriticalNeighbours.blend(scores: model.critical.scores(rows), yes: yes, recipe: criticalRecipe,
                                            neighbourMargin: criticalNeighbours?.margin(rows: rows))
        } ?? 0
        let level: Level
        if let phrase = KeywordRules.criticalPhrase(in: event.text) {
            level = .critical
            reasons.append("critical: rule \(phrase)")
        } else if criticalProbability >= settings.criticalProbability && !KeywordRules.isDefused(event.text) {
            level = .critical
            reasons.append("critical: model \(Self.percent(criticalProbability))")
        } else {
            let others = levelPrediction.probabilities.indices.filter { $0 != criticalIndex }
            let best = others.max { levelPrediction.probabilities[$0] < levelPrediction.probabilities[$1] }!
            level = Level(rawValue: model.level.classes[best]) ?? .normal
            reasons.append("\(level.rawValue) \(Self.percent(Double(levelPrediction.probabilities[best])))")
        }

        let policeProbability = policeIndex.map { Double(model.police.predict(rows).probabilities[$0]) } ?? 0
        var police = policeProbability >= settings.policeProbability
        if let phrase = KeywordRules.policeMatcher.firstMatch(in: event.text) {
            police = true
            reasons.append("police: rule \(phrase)")
        } else if police {
            reasons.append("police \(Self.percent(policeProbability))")
        }
        let shuangfei = event.source == .police110 && !police && level != .critical
        if shuangfei { reasons.append("110 双非") }
        let needsReview = confidence < settings.reviewBelowConfidence
        if needsReview { reasons.append("needs review") }

        return Decision(
            category: category, level: level, police: police, shuangfei: shuangfei,
            place: locator.locate(location: event.location, address: event.address, text: event.text),
            confidence: confidence, needsReview: needsReview, explanation: reasons.joined(separator: "; "),
            categoryProbabilities: probabilities)
    }

    private static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
}
