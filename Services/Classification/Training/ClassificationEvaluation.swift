import Foundation
import MinshengModel

/// How the classifier (models and rules together, as the service runs them) does on labelled examples
/// it has not seen: the figures issue 12 sets targets for.
struct ClassificationEvaluation {
    struct ClassScore {
        var label: String
        var precision: Double
        var recall: Double
        var f1: Double
        var support: Int
    }

    var examples: Int
    var categoryAccuracy: Double
    var categoryMacroF1: Double
    var categoryScores: [ClassScore]
    /// confusion[true][predicted]
    var categoryConfusion: [[Int]]
    var categoryLabels: [String]
    var levelAccuracy: Double
    var levelConfusion: [[Int]]
    var criticalRecall: Double
    var criticalPrecision: Double
    var policeAccuracy: Double
    var policePrecision: Double
    var policeRecall: Double
    var shuangfeiAccuracy: Double
    var shuangfeiExamples: Int
    var townAccuracy: Double
    var townExamples: Int
    var needsReviewShare: Double
    var accuracyWhenConfident: Double
    /// Critical examples not raised, and examples raised that are not critical (id, true level, text, the
    /// classifier's explanation).
    var criticalMisses: [String]
    var criticalFalseAlarms: [String]

    init(classifier: EventClassifier, examples: [CorpusExample]) {
        let categories = MinshengModel.Category.allCases.map(\.rawValue)
        let levels = Level.allCases.map(\.rawValue)
        var categoryConfusion = [[Int]](repeating: [Int](repeating: 0, count: categories.count), count: categories.count)
        var levelConfusion = [[Int]](repeating: [Int](repeating: 0, count: levels.count), count: levels.count)
        var police = (tp: 0, fp: 0, fn: 0, correct: 0)
        var shuangfei = (correct: 0, total: 0)
        var town = (correct: 0, total: 0)
        var review = (flagged: 0, confidentCorrect: 0, confident: 0)
        var misses: [String] = []
        var falseAlarms: [String] = []
        for (index, example) in examples.enumerated() {
            let event = AcceptedEvent(
                eventId: "eval-\(index)", source: example.channel, sourceId: example.id, occurredAt: Date(timeIntervalSince1970: 0),
                receivedAt: Date(timeIntervalSince1970: 0), text: example.text, requestType: example.requestType)
            let decision = classifier.classify(event)
            categoryConfusion[categories.firstIndex(of: example.category.rawValue)!][categories.firstIndex(of: decision.category.rawValue)!] += 1
            levelConfusion[levels.firstIndex(of: example.level.rawValue)!][levels.firstIndex(of: decision.level.rawValue)!] += 1
            if example.level == .critical && decision.level != .critical {
                misses.append("\(example.id) \(example.text)  [\(decision.explanation)]")
            }
            if example.level != .critical && decision.level == .critical {
                falseAlarms.append("\(example.id) \(example.level.rawValue) \(example.text)  [\(decision.explanation)]")
            }
            if decision.police == example.police { police.correct += 1 }
            if decision.police && example.police { police.tp += 1 }
            if decision.police && !example.police { police.fp += 1 }
            if !decision.police && example.police { police.fn += 1 }
            if example.channel == .police110 {
                shuangfei.total += 1
                if decision.shuangfei == example.shuangfei { shuangfei.correct += 1 }
            }
            if let expected = example.town {
                town.total += 1
                if decision.place?.town == expected { town.correct += 1 }
            }
            if decision.needsReview {
                review.flagged += 1
            } else {
                review.confident += 1
                if decision.category == example.category { review.confidentCorrect += 1 }
            }
        }
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        var scores: [ClassScore] = []
        for (c, label) in categories.enumerated() {
            let tp = categoryConfusion[c][c]
            let predicted = categoryConfusion.reduce(0) { $0 + $1[c] }
            let actual = categoryConfusion[c].reduce(0, +)
            let precision = ratio(tp, predicted)
            let recall = ratio(tp, actual)
            scores.append(ClassScore(label: label, precision: precision, recall: recall,
                                     f1: precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), support: actual))
        }
        let present = scores.filter { $0.support > 0 }
        let critical = levels.firstIndex(of: "critical")!
        self.examples = examples.count
        categoryAccuracy = ratio(categories.indices.reduce(0) { $0 + categoryConfusion[$1][$1] }, examples.count)
        categoryMacroF1 = present.map(\.f1).reduce(0, +) / Double(max(1, present.count))
        categoryScores = scores
        self.categoryConfusion = categoryConfusion
        categoryLabels = categories
        levelAccuracy = ratio(levels.indices.reduce(0) { $0 + levelConfusion[$1][$1] }, examples.count)
        self.levelConfusion = levelConfusion
        criticalRecall = ratio(levelConfusion[critical][critical], levelConfusion[critical].reduce(0, +))
        criticalPrecision = ratio(levelConfusion[critical][critical], levelConfusion.reduce(0) { $0 + $1[critical] })
        policeAccuracy = ratio(police.correct, examples.count)
        policePrecision = ratio(police.tp, police.tp + police.fp)
        policeRecall = ratio(police.tp, police.tp + police.fn)
        shuangfeiAccuracy = ratio(shuangfei.correct, shuangfei.total)
        shuangfeiExamples = shuangfei.total
        townAccuracy = ratio(town.correct, town.total)
        townExamples = town.total
        needsReviewShare = ratio(review.flagged, examples.count)
        accuracyWhenConfident = ratio(review.confidentCorrect, review.confident)
        criticalMisses = misses
        criticalFalseAlarms = falseAlarms
    }

    /// The report `minsheng-classification evaluate` prints.
    var report: String {
        func f(_ value: Double) -> String { String(format: "%.3f", value) }
        var lines: [String] = []
        lines.append("examples                 \(examples)")
        lines.append("category accuracy        \(f(categoryAccuracy))")
        lines.append("category macro-F1        \(f(categoryMacroF1))   (target >= 0.90)")
        lines.append("level accuracy           \(f(levelAccuracy))")
        lines.append("critical recall          \(f(criticalRecall))   (target >= 0.98)   precision \(f(criticalPrecision))   (target >= 0.70)")
        lines.append("police accuracy          \(f(policeAccuracy))   (target >= 0.97)   precision \(f(policePrecision))  recall \(f(policeRecall))")
        lines.append("110 双非 accuracy         \(f(shuangfeiAccuracy))   on \(shuangfeiExamples) calls")
        lines.append("town accuracy            \(f(townAccuracy))   on \(townExamples) examples naming a place")
        lines.append("needs review             \(f(needsReviewShare))   accuracy of the rest \(f(accuracyWhenConfident))")
        lines.append("")
        lines.append("per category              precision recall  f1     support")
        for score in categoryScores {
            lines.append("  " + score.label.padding(toLength: 22, withPad: " ", startingAt: 0)
                         + "  \(f(score.precision))     \(f(score.recall))   \(f(score.f1))  \(score.support)")
        }
        lines.append("")
        lines.append("category confusion (rows: true, columns: predicted, in the order above)")
        for (index, row) in categoryConfusion.enumerated() {
            let short = String(categoryLabels[index].prefix(6)).padding(toLength: 7, withPad: " ", startingAt: 0)
            lines.append("  " + short + row.map { String(format: "%4d", $0) }.joined())
        }
        lines.append("")
        lines.append("level confusion (rows: true, columns: predicted: critical urgent normal low)")
        for (index, row) in levelConfusion.enumerated() {
            lines.append("  " + Level.allCases[index].rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                         + row.map { String(format: "%5d", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    /// The critical examples missed and the false alarms, to read.
    var criticalErrors: String {
        (["critical missed (\(criticalMisses.count)):"] + criticalMisses.map { "  " + $0 }
            + ["critical false alarms (\(criticalFalseAlarms.count)):"] + criticalFalseAlarms.map { "  " + $0 }).joined(separator: "\n")
    }
}
