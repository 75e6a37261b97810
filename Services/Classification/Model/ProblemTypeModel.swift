import Foundation

/// What problem a report is about (问题类型: parking-charge, manhole, water-supply… the types of
/// `Corpus/problem_types.txt`): a softmax over the vocabulary's text n-grams, trained on the labelled
/// training texts with place names taken out (a road's name must not lend it the type of the problems
/// told there). Report similarity compares two reports by their most likely types (`SignatureMaker`),
/// so a report told by its effect ("差点掉进坑里") meets one told by its cause ("井盖没了") when the
/// words each uses were learnt to mean one problem.
///
/// The weights are kept sparse: per vocabulary row, the classes whose weight is far enough from zero
/// to matter (`ProblemTypeTrainer.keptWeight`); 154 dense classes would be 24 MB.
struct ProblemTypeModel: Sendable, Equatable {
    /// The type names, in the taxonomy's order.
    let types: [String]
    /// One per type.
    let bias: [Float]
    /// Where each vocabulary row's entries start in `entryTypes` / `entryWeights` (count: rows + 1).
    let rowStart: [UInt32]
    let entryTypes: [UInt16]
    let entryWeights: [Float]

    init(types: [String], bias: [Float], rowStart: [UInt32], entryTypes: [UInt16], entryWeights: [Float]) {
        precondition(bias.count == types.count && entryTypes.count == entryWeights.count)
        precondition(rowStart.last.map { Int($0) == entryTypes.count } ?? false)
        self.types = types
        self.bias = bias
        self.rowStart = rowStart
        self.entryTypes = entryTypes
        self.entryWeights = entryWeights
    }

    /// A sparse model of a dense one's weights (`weights[row × types + type]`): entries whose magnitude is
    /// below `threshold` are dropped.
    init(types: [String], bias: [Float], denseWeights: [Float], threshold: Float) {
        let width = types.count
        var rowStart: [UInt32] = [0]
        var entryTypes: [UInt16] = []
        var entryWeights: [Float] = []
        for row in 0..<(denseWeights.count / max(1, width)) {
            for type in 0..<width where abs(denseWeights[row * width + type]) >= threshold {
                entryTypes.append(UInt16(type))
                entryWeights.append(denseWeights[row * width + type])
            }
            rowStart.append(UInt32(entryTypes.count))
        }
        self.init(types: types, bias: bias, rowStart: rowStart, entryTypes: entryTypes, entryWeights: entryWeights)
    }

    var rowCount: Int { rowStart.count - 1 }

    /// The probability of each type for the given vocabulary rows (text n-grams without place names).
    func probabilities(_ rows: [Int32]) -> [Float] {
        var scores = bias
        scores.withUnsafeMutableBufferPointer { scores in
            for row in rows where Int(row) < rowCount {
                for entry in Int(rowStart[Int(row)])..<Int(rowStart[Int(row) + 1]) {
                    scores[Int(entryTypes[entry])] += entryWeights[entry]
                }
            }
        }
        return LinearTextModel.softmax(scores, temperature: 1)
    }

    /// The `count` most likely types with their probabilities quantised to 0…255 (those that round to 0
    /// left out), sorted by index (the form `ReportSignature.problemTypes` keeps).
    func likeliest(_ rows: [Int32], count: Int) -> [(index: UInt16, weight: UInt8)] {
        let probabilities = probabilities(rows)
        return probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
            .prefix(count)
            .map { (index: UInt16($0), weight: UInt8(max(0, min(255, (probabilities[$0] * 255).rounded())))) }
            .filter { $0.weight > 0 }
            .sorted { $0.index < $1.index }
    }

    // MARK: Storage (inside the classifier model file)
    // Type count (UInt32), names (strings), bias (Float32 each), row count (UInt32), row starts (UInt32
    // each, rows + 1), entry count (UInt32), entries (UInt16 type, Float32 weight).

    func write(to writer: inout BinaryWriter) {
        writer.uint32(UInt32(types.count))
        for name in types { writer.string(name) }
        for value in bias { writer.float(value) }
        writer.uint32(UInt32(rowCount))
        for start in rowStart { writer.uint32(start) }
        writer.uint32(UInt32(entryTypes.count))
        writer.reserve(entryTypes.count * 6)
        for (type, weight) in zip(entryTypes, entryWeights) {
            writer.uint16(type)
            writer.float(weight)
        }
    }

    init(reading reader: inout BinaryReader, vocabularySize: Int) throws {
        let typeCount = Int(try reader.uint32())
        guard (1...Int(UInt16.max)).contains(typeCount) else { throw ModelFileError("bad problem type count \(typeCount)") }
        let types = try (0..<typeCount).map { _ in try reader.string() }
        let bias = try reader.floats(typeCount)
        let rows = Int(try reader.uint32())
        guard rows == vocabularySize else { throw ModelFileError("the problem-type model has \(rows) rows for \(vocabularySize) features") }
        let rowStart = try (0...rows).map { _ in try reader.uint32() }
        let entries = Int(try reader.uint32())
        guard rowStart.first == 0, Int(rowStart.last!) == entries, zip(rowStart, rowStart.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ModelFileError("the problem-type model's rows are out of order")
        }
        var entryTypes: [UInt16] = []
        var entryWeights: [Float] = []
        entryTypes.reserveCapacity(entries)
        entryWeights.reserveCapacity(entries)
        for _ in 0..<entries {
            let type = try reader.uint16()
            guard Int(type) < typeCount else { throw ModelFileError("problem type \(type) out of range") }
            entryTypes.append(type)
            entryWeights.append(try reader.float())
        }
        guard bias.allSatisfy(\.isFinite), entryWeights.allSatisfy(\.isFinite) else { throw ModelFileError("a problem-type weight is not finite") }
        self.init(types: types, bias: bias, rowStart: rowStart, entryTypes: entryTypes, entryWeights: entryWeights)
    }
}
