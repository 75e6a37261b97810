import Foundation

/// A second opinion on critical (危急) from the training texts a report most resembles: the share of
/// critical reports among its 30 nearest, as log-odds. The linear critical model adds up n-grams one by
/// one, so a report that sounds alarming word by word ("刚才", "撞倒", "救") reads as critical; its nearest
/// training texts are whole scenarios (a theft that has just happened, a hit-and-run with the driver gone),
/// and their levels say what such a scenario usually is. The trainer blends the two by cross-validation
/// (`TrainingRecipe.neighbourMix`).
///
/// Texts are compared by the cosine of their n-gram rows weighted by IDF (each n-gram counted once; context
/// features left out). A training text is represented by its exemplar rows (`ClassifierModel.exemplars`).
struct CriticalNeighbours: Sendable {
    /// Nearest training texts asked.
    static let count = 30
    /// N-grams held by more than this share of the training texts (的, 了, 报警人) are not looked up: they
    /// would visit most texts for little weight, ten times the work of all the others together. They still
    /// count in each text's norm, so the cosine of two texts is only lowered by what they share of them.
    static let commonShare = 0.05

    /// For each vocabulary row, the exemplars holding it with the row's weight in their unit vector.
    private let postings: [[(exemplar: Int32, weight: Float)]]
    private let isCritical: [Bool]
    private let idf: [Float]
    /// Whether a vocabulary row is an n-gram of the text (not a context feature such as the channel).
    private let isTextRow: [Bool]
    /// The share of critical texts among all, which a report with few or weak neighbours falls back to.
    private let prior: Double

    /// `exemplars` and `isCritical` are parallel (one per training text); `documentFrequency` and
    /// `documentCount` give the IDF of each vocabulary row; n-grams in more than `commonShare` of the texts
    /// are not looked up.
    init(vocabulary: FeatureVocabulary, exemplars: [[Int32]], isCritical: [Bool], documentFrequency: [UInt16], documentCount: Int,
         commonShare: Double = CriticalNeighbours.commonShare) {
        precondition(exemplars.count == isCritical.count && documentFrequency.count == vocabulary.count)
        isTextRow = vocabulary.keys.map { TextFeatures.length($0) >= 1 }
        let idf = documentFrequency.map { Float(log(Double(documentCount + 1) / Double(Int($0) + 1)) + 1) }
        self.idf = idf
        let common = Int(commonShare * Double(documentCount))
        let isLookedUp = documentFrequency.map { Int($0) <= common }
        var postings = [[(exemplar: Int32, weight: Float)]](repeating: [], count: documentFrequency.count)
        for (index, rows) in exemplars.enumerated() {
            let norm = rows.reduce(Float(0)) { $0 + idf[Int($1)] * idf[Int($1)] }.squareRoot()
            guard norm > 0 else { continue }
            for row in rows where isLookedUp[Int(row)] { postings[Int(row)].append((Int32(index), idf[Int(row)] / norm)) }
        }
        self.postings = postings
        self.isCritical = isCritical
        prior = Double(isCritical.filter { $0 }.count) / Double(max(1, isCritical.count))
    }

    /// The probability of critical from the critical model's raw scores (`yes` the index of "true") and the
    /// neighbours' log-odds, as the recipe blends them: (1 − mix) × the model's log-odds over its temperature +
    /// mix × the neighbours' over theirs.
    static func blend(scores: [Float], yes: Int, recipe: TrainingRecipe, neighbourMargin: Double?) -> Double {
        let no = 1 - yes
        var logit = Double(scores[yes] - scores[no]) / Double(recipe.temperature)
        if let mix = recipe.neighbourMix, mix > 0, let temperature = recipe.neighbourTemperature, let neighbourMargin {
            logit = Double(1 - mix) * logit + Double(mix) * neighbourMargin / Double(temperature)
        }
        return 1 / (1 + exp(-logit))
    }

    /// The log-odds that a report with these vocabulary rows is critical, by its nearest training texts:
    /// (Σ similarity × critical + prior) / (Σ similarity + 1) over the `count` most similar. `excluding`
    /// leaves training texts out (cross-validation asks with a fold's own texts left out).
    func margin(rows: [Int32], excluding: (Int) -> Bool = { _ in false }) -> Double {
        let textRows = rows.filter { Int($0) < postings.count && isTextRow[Int($0)] }
        let norm = textRows.reduce(Float(0)) { $0 + idf[Int($1)] * idf[Int($1)] }.squareRoot()
        guard norm > 0 else { return log(prior / (1 - prior)) }
        var score = [Float](repeating: 0, count: isCritical.count)
        var touched: [Int32] = []
        for row in textRows {
            let weight = idf[Int(row)] / norm
            for posting in postings[Int(row)] {
                if score[Int(posting.exemplar)] == 0 { touched.append(posting.exemplar) }
                score[Int(posting.exemplar)] += weight * posting.weight
            }
        }
        // The `count` best by a small sorted buffer (ties: the earlier training text).
        var best: [(similarity: Float, exemplar: Int32)] = []
        best.reserveCapacity(Self.count + 1)
        for exemplar in touched where !excluding(Int(exemplar)) {
            let similarity = score[Int(exemplar)]
            if best.count == Self.count, let last = best.last,
               similarity < last.similarity || (similarity == last.similarity && exemplar > last.exemplar) { continue }
            let at = best.firstIndex { similarity > $0.similarity || (similarity == $0.similarity && exemplar < $0.exemplar) } ?? best.count
            best.insert((similarity, exemplar), at: at)
            if best.count > Self.count { best.removeLast() }
        }
        var critical = prior, total = 1.0
        for neighbour in best {
            total += Double(neighbour.similarity)
            if isCritical[Int(neighbour.exemplar)] { critical += Double(neighbour.similarity) }
        }
        let p = min(max(critical / total, 1e-6), 1 - 1e-6)
        return log(p / (1 - p))
    }
}
