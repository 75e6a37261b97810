/// How alike two reports are: the weighted sum of the text cosine (character n-grams weighted by topic
/// weight and IDF), the neighbour cosine (the training texts both resemble) and the category affinity
/// (cosine of the category distributions), scaled by the place agreement (+1 same named place, -1
/// different named places, 0 unknown). Weights and thresholds were chosen
/// on the labelled cluster set (`Corpus/clusters/tune.jsonl`, docs/classification.md).
struct ReportSimilarity: Sendable {
    let textWeight: Double
    let placeWeight: Double
    let categoryWeight: Double
    let neighbourWeight: Double

    init(_ settings: ClassificationSettings.Similarity) {
        textWeight = settings.textWeight
        neighbourWeight = settings.neighbourWeight
        placeWeight = settings.placeWeight
        categoryWeight = settings.categoryWeight
    }

    /// What the two say, times how much their places agree: the same named place raises it by
    /// `placeWeight`, different named places lower it by as much; a place cannot make two reports alike
    /// on its own.
    func score(_ a: ReportSignature, _ b: ReportSignature) -> Double {
        let content = textWeight * a.textSimilarity(to: b) + neighbourWeight * a.neighbourSimilarity(to: b)
            + categoryWeight * a.categoryAffinity(with: b)
        return content * max(0, 1 + placeWeight * a.placeAgreement(with: b))
    }
}
