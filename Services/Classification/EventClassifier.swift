import MinshengModel

/// Decides category, level, police matter and place for an accepted event.
struct EventClassifier: Sendable {
    struct Decision: Sendable, Equatable {
        var category: Category
        var level: Level
        var police: Bool
        var shuangfei: Bool
        var place: Gazetteer.Place?
        var confidence: Double
        var explanation: String
    }

    let gazetteer: Gazetteer

    func classify(_ event: AcceptedEvent) -> Decision {
        let text = event.text
        var scores: [(category: Category, hits: [String])] = KeywordRules.categories.map { category, words in
            (category, words.filter { text.contains($0) })
        }
        scores = scores.filter { !$0.hits.isEmpty }
        // Most distinct keywords wins; ties go to the earlier (more specific) category.
        let best = scores.enumerated().max { a, b in
            a.element.hits.count != b.element.hits.count ? a.element.hits.count < b.element.hits.count : a.offset > b.offset
        }?.element
        let category = best?.category ?? .other
        let confidence = best.map { min(0.9, 0.5 + 0.1 * Double($0.hits.count)) } ?? 0.2

        var reasons: [String] = []
        if let best { reasons.append("category \(category.rawValue): \(best.hits.prefix(3).joined(separator: ","))") }
        let level: Level
        if let hit = KeywordRules.critical.first(where: text.contains) {
            level = .critical
            reasons.append("critical: \(hit)")
        } else if [.consult, .suggestion, .praise].contains(event.requestType) {
            level = .low
            reasons.append("low: requestType \(event.requestType!.rawValue)")
        } else if let hit = KeywordRules.urgent.first(where: text.contains) {
            level = .urgent
            reasons.append("urgent: \(hit)")
        } else if let hit = KeywordRules.low.first(where: text.contains) {
            level = .low
            reasons.append("low: \(hit)")
        } else {
            level = .normal
        }
        let policeHit = KeywordRules.police.first(where: text.contains)
        let police = policeHit != nil || category == .fraud
        if let policeHit { reasons.append("police: \(policeHit)") }
        let shuangfei = event.source == .police110 && !police && level != .critical
        if shuangfei { reasons.append("110 双非: not police business, not an emergency") }
        return Decision(
            category: category, level: level, police: police, shuangfei: shuangfei,
            place: gazetteer.place(address: event.address, text: text), confidence: confidence,
            explanation: reasons.isEmpty ? "no rule matched" : reasons.joined(separator: "; "))
    }
}
