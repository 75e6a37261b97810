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
    }

    let model: ClassifierModel
    let locator: PlaceLocator
    let settings: ClassificationSettings

    func classify(_ event: AcceptedEvent) -> Decision {
        let input = ModelInput(text: event.text, source: event.source, requestType: event.requestType)
        let features = input.features
        var reasons: [String] = []

        let categoryPrediction = model.category.predict(features)
        let category = Category(rawValue: categoryPrediction.label) ?? .other
        let confidence = categoryPrediction.confidence
        reasons.append("\(category.rawValue) \(Self.percent(confidence)) (\(categoryPrediction.topFeatures(3).joined(separator: ",")))")

        let levelPrediction = model.level.predict(features)
        var level = Level(rawValue: levelPrediction.label) ?? .normal
        if let phrase = KeywordRules.criticalMatcher.firstMatch(in: event.text) {
            level = .critical
            reasons.append("critical: rule \(phrase)")
        } else if level != .critical, levelPrediction.probability(of: "critical") >= settings.criticalProbability {
            level = .critical
            reasons.append("critical: model \(Self.percent(levelPrediction.probability(of: "critical")))")
        } else {
            reasons.append("\(level.rawValue) \(Self.percent(levelPrediction.confidence))")
        }

        let policeProbability = model.police.predict(features).probability(of: "true")
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
            confidence: confidence, needsReview: needsReview, explanation: reasons.joined(separator: "; "))
    }

    private static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
}
