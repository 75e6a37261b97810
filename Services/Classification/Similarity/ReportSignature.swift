import Foundation

/// What report similarity compares of a report, computed once when it is classified and kept (in
/// memory and in `recent_event.signature`):
/// - its most informative character 2- and 3-grams, weighted by how rare they are in the training
///   corpus (IDF), as a unit vector: generic hotline phrasing (市民来电反映) weighs little, the problem's
///   own words (停车, 收费, 小票, 收款码) and unknown names (梅湾街) weigh much;
/// - the places it names (villages, communities, roads of the gazetteer, and the village it was located
///   in), as hashes of their names;
/// - its most likely categories with their probabilities;
/// - its likeliest problem types (问题类型), with their probabilities.
struct ReportSignature: Sendable, Equatable {
    /// Term hashes, sorted ascending, unique.
    var terms: [UInt32]
    /// The weight of each term, quantised to 1…255 (the vector has unit length before quantising).
    var weights: [UInt8]
    /// Hashes of the place names, sorted, unique.
    var places: [UInt32]
    /// Up to three (category index in `Category.allCases`, probability quantised to 0…255), most likely first.
    var categories: [(index: UInt8, probability: UInt8)]
    /// The training texts most like the report (`ClassifierModel.exemplars` index, weight 1…255), sorted
    /// by index: two reports of one problem in other words still resemble the same training texts.
    var neighbours: [(index: UInt16, weight: UInt8)]
    /// The problem concepts it names (`ProblemConcepts.table` indices), ascending.
    var concepts: [UInt8] = []
    /// Its likeliest problem types (`ProblemTypeModel.types` index, probability quantised to 1…255), at
    /// most `SignatureMaker.problemTypesKept`, sorted by index. Empty when the model has no problem types.
    var problemTypes: [(index: UInt16, weight: UInt8)] = []

    static func == (lhs: ReportSignature, rhs: ReportSignature) -> Bool {
        lhs.terms == rhs.terms && lhs.weights == rhs.weights && lhs.places == rhs.places
            && lhs.categories.map(\.index) == rhs.categories.map(\.index)
            && lhs.categories.map(\.probability) == rhs.categories.map(\.probability)
            && lhs.neighbours.map(\.index) == rhs.neighbours.map(\.index) && lhs.neighbours.map(\.weight) == rhs.neighbours.map(\.weight)
            && lhs.concepts == rhs.concepts
            && lhs.problemTypes.map(\.index) == rhs.problemTypes.map(\.index) && lhs.problemTypes.map(\.weight) == rhs.problemTypes.map(\.weight)
    }

    /// The terms in order of weight, heaviest first (ties: lower hash first): what the candidate index
    /// posts and queries.
    func heaviestTerms(_ count: Int) -> [UInt32] {
        terms.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : terms[$0] < terms[$1] }
            .prefix(count).map { terms[$0] }
    }

    /// What the candidate index posts and looks up for this report: its heaviest terms and its
    /// neighbours (as keys of their own; a collision with a term only adds a candidate).
    func indexKeys(terms count: Int) -> [UInt32] {
        heaviestTerms(count) + neighbours.map { 0x9E37_0000 ^ UInt32($0.index) &* 0x0001_0001 }
    }

    /// Cosine of the two term vectors (both are unit length): 0…1.
    func textSimilarity(to other: ReportSignature) -> Double {
        var i = 0, j = 0
        var dot = 0
        while i < terms.count && j < other.terms.count {
            if terms[i] == other.terms[j] {
                dot += Int(weights[i]) * Int(other.weights[j])
                i += 1
                j += 1
            } else if terms[i] < other.terms[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return min(1, Double(dot) / Double(Self.norm(weights) * Self.norm(other.weights)))
    }

    private static func norm(_ weights: [UInt8]) -> Double {
        max(1, sqrt(weights.reduce(0.0) { $0 + Double($1) * Double($1) }))
    }

    /// Cosine of the two neighbour vectors: 0…1.
    func neighbourSimilarity(to other: ReportSignature) -> Double {
        Self.cosine(neighbours, other.neighbours)
    }

    /// Cosine of the two problem-type vectors (their likeliest types with their probabilities): 0…1, high
    /// when both lean to the same types. Nil when either has none: nothing is known of whether they agree.
    func problemTypeAgreement(with other: ReportSignature) -> Double? {
        guard !problemTypes.isEmpty, !other.problemTypes.isEmpty else { return nil }
        return Self.cosine(problemTypes, other.problemTypes)
    }

    /// Cosine of two sparse vectors sorted by index.
    private static func cosine(_ a: [(index: UInt16, weight: UInt8)], _ b: [(index: UInt16, weight: UInt8)]) -> Double {
        let dot = dot(a, b)
        guard dot > 0 else { return 0 }
        return min(1, Double(dot) / (norm(a.map(\.weight)) * norm(b.map(\.weight))))
    }

    /// Dot product of two sparse vectors sorted by index.
    private static func dot(_ a: [(index: UInt16, weight: UInt8)], _ b: [(index: UInt16, weight: UInt8)]) -> Int {
        var i = 0, j = 0
        var dot = 0
        while i < a.count && j < b.count {
            if a[i].index == b[j].index {
                dot += Int(a[i].weight) * Int(b[j].weight)
                i += 1
                j += 1
            } else if a[i].index < b[j].index {
                i += 1
            } else {
                j += 1
            }
        }
        return dot
    }

    /// +1 when the two name a place in common, -1 when both name places and none is shared, else 0.
    func placeAgreement(with other: ReportSignature) -> Double {
        guard !places.isEmpty, !other.places.isEmpty else { return 0 }
        return places.contains(where: other.places.contains) ? 1 : -1
    }

    /// +1 when the two name a problem concept in common, -1 when both name concepts and none is shared
    /// (bleach-smelling water against no water at all), else 0.
    func conceptAgreement(with other: ReportSignature) -> Double {
        guard !concepts.isEmpty, !other.concepts.isEmpty else { return 0 }
        return concepts.contains(where: other.concepts.contains) ? 1 : -1
    }

    /// Cosine of the two category distributions (top three of each): 1 for the same sure category, high
    /// for two reports on the same border (traffic / market), 0 for unrelated categories.
    func categoryAffinity(with other: ReportSignature) -> Double {
        var dot = 0.0
        for a in categories {
            for b in other.categories where a.index == b.index { dot += Double(a.probability) * Double(b.probability) }
        }
        let normA = sqrt(categories.reduce(0.0) { $0 + Double($1.probability) * Double($1.probability) })
        let normB = sqrt(other.categories.reduce(0.0) { $0 + Double($1.probability) * Double($1.probability) })
        return normA == 0 || normB == 0 ? 0 : dot / (normA * normB)
    }

    // MARK: Storage
    // Version byte 3, then term count (UInt8), terms (UInt32 LE each), weights (UInt8 each), place count
    // (UInt8), places (UInt32 LE each), category count (UInt8), (index, probability) pairs, neighbour count
    // (UInt8), (index UInt16 LE, weight) pairs, concept count (UInt8), concepts (UInt8 each), problem-type
    // count (UInt8), (index UInt16 LE, weight) pairs. Version 1 had no concepts, version 2 no problem types.

    var bytes: [UInt8] {
        var writer = BinaryWriter()
        writer.bytes([3, UInt8(terms.count)])
        for term in terms { writer.uint32(term) }
        writer.bytes(weights)
        writer.bytes([UInt8(places.count)])
        for place in places { writer.uint32(place) }
        writer.bytes([UInt8(categories.count)])
        for category in categories { writer.bytes([category.index, category.probability]) }
        Self.write(neighbours, to: &writer)
        writer.bytes([UInt8(concepts.count)])
        writer.bytes(concepts)
        Self.write(problemTypes, to: &writer)
        return writer.buffer
    }

    /// Count (UInt8), then (index UInt16 LE, weight) pairs: the neighbours and the problem types.
    private static func write(_ pairs: [(index: UInt16, weight: UInt8)], to writer: inout BinaryWriter) {
        writer.bytes([UInt8(pairs.count)])
        for pair in pairs {
            writer.uint16(pair.index)
            writer.bytes([pair.weight])
        }
    }

    private static func readPairs(_ reader: inout BinaryReader) throws -> [(index: UInt16, weight: UInt8)] {
        try (0..<Int(try reader.bytes(1)[0])).map { _ in (try reader.uint16(), try reader.bytes(1)[0]) }
    }

    init(terms: [UInt32], weights: [UInt8], places: [UInt32], categories: [(index: UInt8, probability: UInt8)],
         neighbours: [(index: UInt16, weight: UInt8)] = [], concepts: [UInt8] = [], problemTypes: [(index: UInt16, weight: UInt8)] = []) {
        self.terms = terms
        self.weights = weights
        self.places = places
        self.categories = categories
        self.neighbours = neighbours
        self.concepts = concepts
        self.problemTypes = problemTypes
    }

    init(bytes: [UInt8]) throws {
        var reader = BinaryReader(bytes)
        let version = try reader.bytes(1)[0]
        guard (1...3).contains(version) else { throw ModelFileError("unknown report signature version") }
        let termCount = Int(try reader.bytes(1)[0])
        terms = try (0..<termCount).map { _ in try reader.uint32() }
        weights = try reader.bytes(termCount)
        let placeCount = Int(try reader.bytes(1)[0])
        places = try (0..<placeCount).map { _ in try reader.uint32() }
        let categoryCount = Int(try reader.bytes(1)[0])
        categories = try (0..<categoryCount).map { _ in
            let pair = try reader.bytes(2)
            return (pair[0], pair[1])
        }
        neighbours = try Self.readPairs(&reader)
        concepts = version >= 2 ? try reader.bytes(Int(try reader.bytes(1)[0])) : []
        problemTypes = version >= 3 ? try Self.readPairs(&reader) : []
        guard reader.isAtEnd else { throw ModelFileError("trailing bytes after a report signature") }
    }
}
