import Foundation
import MinshengModel

/// Makes the `ReportSignature` of a report from its text, the places it names and its category
/// probabilities. Terms are the text's character bigrams and the trigrams the corpus knows (place names
/// taken out: places are compared on their own), each weighted by its topic weight (how much it says about
/// the problem, `ClassifierModel.topicWeight`) to the power `topicExponent`, times its IDF above
/// `idfFloor`. Neighbours are the training texts whose terms the report's terms match best.
struct SignatureMaker: Sendable {
    let model: ClassifierModel
    let gazetteer: Gazetteer
    /// The settings it was made with.
    let parameters: ClassificationSettings.Similarity
    /// Identifies the signatures this maker writes (model and parameters): stored ones made otherwise are
    /// recomputed at start-up.
    let version: String
    /// For each vocabulary row, the exemplars (training texts) holding it, with the row's weight there
    /// (each exemplar's weights make a unit vector).
    private let postings: [[(exemplar: Int32, weight: Float)]]
    /// Each exemplar's terms (hash, unit-vector weight), for expanding a report with its neighbours' words.
    private let exemplarTerms: [[(term: UInt32, weight: Float)]]
    /// The weight of each vocabulary row (see `weight(row:model:parameters:)`), computed once.
    private let rowWeights: [Float]

    init(model: ClassifierModel, gazetteer: Gazetteer, parameters: ClassificationSettings.Similarity) {
        self.model = model
        self.gazetteer = gazetteer
        self.parameters = parameters
        rowWeights = (0..<model.vocabulary.count).map { Float(Self.weight(row: $0, model: model, parameters: parameters)) }
        var postings = [[(exemplar: Int32, weight: Float)]](repeating: [], count: model.vocabulary.count)
        var exemplarTerms: [[(term: UInt32, weight: Float)]] = []
        for (index, rows) in model.exemplars.enumerated() {
            let weights = rows.map { Self.weight(row: Int($0), model: model, parameters: parameters) }
            let norm = sqrt(weights.reduce(0) { $0 + $1 * $1 })
            var terms: [(term: UInt32, weight: Float)] = []
            if norm > 0 {
                for (row, weight) in zip(rows, weights) where weight > 0 {
                    postings[Int(row)].append((Int32(index), Float(weight / norm)))
                    terms.append((Self.termHash(model.vocabulary.keys[Int(row)]), Float(weight / norm)))
                }
            }
            exemplarTerms.append(terms)
        }
        self.postings = postings
        self.exemplarTerms = exemplarTerms
        let p = parameters
        version = "3-\(String(ProblemConcepts.fingerprint, radix: 16))-\(String(model.fingerprint, radix: 16))-\(p.maximumTerms)-\(p.idfFloor)-\(p.topicExponent)-\(p.unknownInformativeness)-\(p.neighbours)-\(p.expansion)-\(p.unigrams)-\(p.conceptWeight)"
            + (Self.computesProblemTypes(model: model, parameters: p) ? "-types" : "")
    }

    /// The weight of an n-gram.
    func weight(_ key: TextFeatures.Key) -> Double {
        guard let row = model.vocabulary.row(of: key) else { return parameters.unknownInformativeness }
        return Double(rowWeights[Int(row)])
    }

    static func weight(row: Int, model: ClassifierModel, parameters: ClassificationSettings.Similarity) -> Double {
        let frequency = Double(model.documentFrequency[row])
        let idf = log((Double(model.documentCount) + 1) / (frequency + 1)) + 1
        return max(0, idf - parameters.idfFloor) * pow(Double(model.topicWeight[row]) / 255, parameters.topicExponent)
    }

    /// The distinct terms of a text (bigrams, known trigrams) with how often each occurs.
    private func termCounts(_ text: String) -> [TextFeatures.Key: Int] { termCounts(withoutPlaceNames: gazetteer.withoutPlaceNames(text)) }

    private func termCounts(withoutPlaceNames text: String) -> [TextFeatures.Key: Int] {
        let scalars = TextFeatures.normalisedScalars(text)
        var counts: [TextFeatures.Key: Int] = [:]
        for scalar in scalars where parameters.unigrams {
            let key = TextFeatures.Key(scalar)
            if model.vocabulary.row(of: key) != nil { counts[key, default: 0] += 1 }
        }
        guard scalars.count >= 2 else { return counts }
        for index in 0..<(scalars.count - 1) {
            counts[TextFeatures.bigram(scalars[index], scalars[index + 1]), default: 0] += 1
            // A trigram counts only when the corpus knows it (a phrase: 停车费, 收款码); an unknown one is
            // mostly an accident of wording.
            if index + 2 < scalars.count, scalars[index] < 1 << 20 {
                let trigram = TextFeatures.trigram(scalars[index], scalars[index + 1], scalars[index + 2])
                if model.vocabulary.row(of: trigram) != nil { counts[trigram, default: 0] += 1 }
            }
        }
        return counts
    }

    func signature(text: String, address: String?, village: String?, categoryProbabilities: [Float]) -> ReportSignature {
        let withoutPlaces = gazetteer.withoutPlaceNames(text)
        let counts = termCounts(withoutPlaceNames: withoutPlaces)
        var own: [UInt32: Double] = [:]
        for (key, count) in counts {
            let weight = self.weight(key) * (1 + log(Double(count)))
            if weight > 0 { own[Self.termHash(key)] = max(own[Self.termHash(key)] ?? 0, weight) }
        }
        // The report's own heaviest terms, then its neighbours' words (pseudo-relevance feedback: reports
        // of one problem in other words share the words of the training texts they resemble), up to half
        // as many again.
        var kept = Array(own.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(parameters.maximumTerms))
        let nearest = neighbours(counts)
        if parameters.expansion > 0, !nearest.isEmpty {
            let ownNorm = sqrt(kept.reduce(0) { $0 + $1.value * $1.value })
            var added: [UInt32: Double] = [:]
            let total = nearest.reduce(0.0) { $0 + Double($1.weight) }
            for neighbour in nearest {
                for term in exemplarTerms[Int(neighbour.index)] {
                    added[term.term, default: 0] += Double(term.weight) * Double(neighbour.weight) / total
                }
            }
            var merged = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
            for (term, weight) in added.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })
                .prefix(parameters.maximumTerms / 2 + kept.count) {
                merged[term, default: 0] += parameters.expansion * ownNorm * weight
            }
            kept = Array(merged.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(parameters.maximumTerms + parameters.maximumTerms / 2))
        }
        // One term per problem concept the text names (停水 and 爆管 meet through "water-outage"), as heavy
        // as `conceptWeight` times the norm of the report's own terms.
        let concepts = ProblemConcepts.concepts(in: withoutPlaces)
        if parameters.conceptWeight > 0 {
            let ownNorm = sqrt(own.values.reduce(0) { $0 + $1 * $1 })
            for concept in concepts {
                let hash = Self.conceptHash(concept)
                if let index = kept.firstIndex(where: { $0.key == hash }) { kept[index].value += parameters.conceptWeight * ownNorm }
                else { kept.append((hash, parameters.conceptWeight * ownNorm)) }
            }
        }
        kept.sort { $0.key < $1.key }
        var terms: [UInt32] = []
        var raw: [Double] = []
        for entry in kept {
            terms.append(entry.key)
            raw.append(entry.value)
        }
        let norm = sqrt(raw.reduce(0) { $0 + $1 * $1 })
        let weights = raw.map { norm == 0 ? UInt8(1) : UInt8(max(1, min(255, ($0 / norm * 255).rounded()))) }

        var names = gazetteer.namedPlaces(address: address, text: text)
        if let village, !names.contains(village) { names.append(village) }
        let places = Array(Set(names.map { UInt32(truncatingIfNeeded: FNV1a.hash($0)) })).sorted()

        let top = categoryProbabilities.indices.sorted {
            categoryProbabilities[$0] != categoryProbabilities[$1] ? categoryProbabilities[$0] > categoryProbabilities[$1] : $0 < $1
        }.prefix(3)
        let categories = top.map { (index: UInt8($0), probability: UInt8(max(0, min(255, (categoryProbabilities[$0] * 255).rounded())))) }
            .filter { $0.probability > 0 }
        return ReportSignature(terms: terms, weights: weights, places: places, categories: categories, neighbours: nearest,
                               concepts: concepts, problemTypes: computesProblemTypes ? model.problemTypeModel.map {
                                   $0.likeliest(model.vocabulary.rows(of: TextFeatures.keys(of: withoutPlaces)), count: Self.problemTypesKept)
                               } ?? [] : [])
    }

    /// Problem types kept per signature.
    static let problemTypesKept = 4

    /// Whether signatures hold the report's likeliest problem types: only when similarity uses them (about
    /// 40 µs a report otherwise spent for nothing).
    var computesProblemTypes: Bool { Self.computesProblemTypes(model: model, parameters: parameters) }

    static func computesProblemTypes(model: ClassifierModel, parameters: ClassificationSettings.Similarity) -> Bool {
        model.problemTypeModel != nil && parameters.usesProblemTypes
    }

    /// The names of a signature's problem types, largest share first (for `--explain`).
    func describe(problemTypes: [(index: UInt16, weight: UInt8)]) -> String {
        problemTypes.sorted { $0.weight > $1.weight }.map { "\(model.problemTypeModel?.types[Int($0.index)] ?? "?") \($0.weight)" }.joined(separator: ", ")
    }

    /// The `parameters.neighbours` training texts most like the text (cosine of the weighted terms),
    /// their weights quantised to 1…255, sorted by index.
    private func neighbours(_ counts: [TextFeatures.Key: Int]) -> [(index: UInt16, weight: UInt8)] {
        guard parameters.neighbours > 0, !model.exemplars.isEmpty else { return [] }
        var scores = [Float](repeating: 0, count: model.exemplars.count)
        var touched: [Int32] = []
        touched.reserveCapacity(1024)
        scores.withUnsafeMutableBufferPointer { scores in
            for (key, count) in counts {
                guard let row = model.vocabulary.row(of: key) else { continue }
                let weight = rowWeights[Int(row)] * (1 + logf(Float(count)))
                guard weight > 0 else { continue }
                for posting in postings[Int(row)] {
                    if scores[Int(posting.exemplar)] == 0 { touched.append(posting.exemplar) }
                    scores[Int(posting.exemplar)] += weight * posting.weight
                }
            }
        }
        // The best few, without sorting everything touched.
        var best: [(index: Int32, score: Float)] = []
        for exemplar in touched {
            let score = scores[Int(exemplar)]
            if best.count < parameters.neighbours {
                best.append((exemplar, score))
                if best.count == parameters.neighbours { best.sort { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index } }
            } else if score > best[best.count - 1].score || (score == best[best.count - 1].score && exemplar < best[best.count - 1].index) {
                best[best.count - 1] = (exemplar, score)
                var i = best.count - 1
                while i > 0 && (best[i].score > best[i - 1].score || (best[i].score == best[i - 1].score && best[i].index < best[i - 1].index)) {
                    best.swapAt(i, i - 1)
                    i -= 1
                }
            }
        }
        best.sort { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
        guard let top = best.first?.score, top > 0 else { return [] }
        return best.map { (index: UInt16(truncatingIfNeeded: $0.index), weight: UInt8(max(1, min(255, ($0.score / top * 255).rounded())))) }
            .sorted { $0.index < $1.index }
    }

    /// The text's terms with their weights, heaviest first (for reading how a signature was made).
    func describe(_ text: String) -> [(term: String, weight: Double)] {
        termCounts(text).keys.map { (TextFeatures.describe($0), weight($0)) }.sorted { $0.1 > $1.1 }
    }

    /// The term of a problem concept (`ProblemConcepts`): 32 bits of its name's hash.
    static func conceptHash(_ concept: UInt8) -> UInt32 {
        UInt32(truncatingIfNeeded: FNV1a.hash("concept:" + ProblemConcepts.table[Int(concept)].concept))
    }

    /// 32 bits of an n-gram key, well mixed.
    static func termHash(_ key: TextFeatures.Key) -> UInt32 {
        var value = key
        value = (value ^ (value >> 33)) &* 0xff51_afd7_ed55_8ccd
        value = (value ^ (value >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return UInt32(truncatingIfNeeded: value ^ (value >> 33))
    }
}
