/// How alike two reports are: the weighted sum of the text cosine (character n-grams weighted by topic
/// weight and IDF), the neighbour cosine (the training texts both resemble), the place agreement (+1 same
/// named place, -1 different named places, 0 unknown) and the category affinity (cosine of the category
/// distributions). Weights and thresholds were chosen
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

    func score(_ a: ReportSignature, _ b: ReportSignature) -> Double {
        textWeight * a.textSimilarity(to: b) + placeWeight * a.placeAgreement(with: b)
            + categoryWeight * a.categoryAffinity(with: b) + neighbourWeight * a.neighbourSimilarity(to: b)
    }
}
