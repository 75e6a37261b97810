/// How alike two reports are: the weighted sum of the text cosine (character n-grams weighted by topic
/// weight and IDF) and the neighbour cosine (the training texts both resemble), scaled down by how little
/// their categories agree (cosine of the category distributions) and scaled by the place agreement (+1
/// same named place, -1 different named places, 0 unknown). Neither place nor category can make two
/// reports alike on its own: two other problems of one category at one place (square dancing and late
/// basketball at one community) score only what their words share. Two reports that both name problem
/// concepts (`ProblemConcepts`) and share none lose `conceptMismatch` of their score. The problem types
/// (`ProblemTypeModel`) add `problemTypeWeight` × their cosine × the category affinity, at most
/// `problemTypeBound` times what the words give (docs/classification.md, "Problem types"). Weights and thresholds
/// were chosen on the labelled cluster set (`Corpus/clusters/tune.jsonl`, docs/classification.md).
struct ReportSimilarity: Sendable {
    let textWeight: Double
    let placeWeight: Double
    let categoryWeight: Double
    let neighbourWeight: Double
    let conceptMismatch: Double
    let problemTypeWeight: Double
    let problemTypeBound: Double

    init(_ settings: ClassificationSettings.Similarity) {
        textWeight = settings.textWeight
        neighbourWeight = settings.neighbourWeight
        placeWeight = settings.placeWeight
        categoryWeight = settings.categoryWeight
        conceptMismatch = settings.conceptMismatch
        problemTypeWeight = settings.problemTypeWeight
        problemTypeBound = settings.problemTypeBound
    }

    /// What the two say, times how far their categories agree (unrelated categories take `categoryWeight`
    /// off), times how much their places agree: the same named place raises it by `placeWeight`,
    /// different named places lower it by as much.
    /// Their likeliest problem types add `problemTypeWeight` times their cosine times the category
    /// affinity (a type shared across unrelated categories counts little) to what the two say, but never
    /// more than `problemTypeBound` times what their words give: a type names what a report is about,
    /// and when the model names it wrongly, two reports with nothing else in common stay apart.
    func score(_ a: ReportSignature, _ b: ReportSignature) -> Double {
        let words = textWeight * a.textSimilarity(to: b) + neighbourWeight * a.neighbourSimilarity(to: b)
        guard words > 0 else { return 0 }
        let affinity = a.categoryAffinity(with: b)
        let types = problemTypeWeight > 0
            ? min(problemTypeWeight * (a.problemTypeAgreement(with: b) ?? 0) * affinity, problemTypeBound * words) : 0
        return (words + types) * (1 - categoryWeight * (1 - affinity)) * max(0, 1 + placeWeight * a.placeAgreement(with: b))
            * (1 - conceptMismatch * max(0, -a.conceptAgreement(with: b)))
    }
}
