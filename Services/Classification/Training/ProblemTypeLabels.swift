import Foundation

/// The problem type (问题类型) of each training text: what the responsible unit must fix, finer than the
/// category (parking-charge, manhole, water-supply…). The types are listed in `Corpus/problem_types.txt`
/// (name, Chinese, what it covers); the labels in `Corpus/train_problem_types.tsv` (text id, type name),
/// written by reading each text, not by keywords, so that a report told by its effect ("差点掉进坑里")
/// carries the type of its cause (manhole). Beside them, `Corpus/problem_type_texts.tsv` (type name, text)
/// holds texts written for the type model alone, told obliquely and briefly in the registers the labelled
/// corpus has too few of; they train no other model. `ProblemTypeTrainer` learns a `ProblemTypeModel`
/// from both.
struct ProblemTypeLabels: Sendable, Equatable {
    /// The type names, in the taxonomy file's order.
    var types: [String]
    /// Type name by training text id.
    var labels: [String: String]
    /// Texts for the type model alone, with their type names (empty when the file is absent).
    var typeTexts: [TypedText] = []

    struct TypedText: Sendable, Equatable {
        var type: String
        var text: String
    }

    static let taxonomyFile = "problem_types.txt"
    static let labelsFile = "train_problem_types.tsv"
    static let typeTextsFile = "problem_type_texts.tsv"

    /// Reads the taxonomy and the labels from the corpus directory. A label naming no listed type, a
    /// repeated id or a malformed line stops with the file and line.
    static func load(corpusDirectory: String) throws -> ProblemTypeLabels {
        let taxonomyPath = "\(corpusDirectory)/\(taxonomyFile)"
        let labelsPath = "\(corpusDirectory)/\(labelsFile)"
        var types: [String] = []
        for (number, line) in try lines(taxonomyPath) {
            let name = line.split(separator: "\t", omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !types.contains(name) else { throw ModelFileError("\(taxonomyPath):\(number): empty or repeated type name") }
            types.append(name)
        }
        guard !types.isEmpty, types.count <= Int(UInt16.max) else { throw ModelFileError("\(taxonomyPath): no types, or too many") }
        let known = Set(types)
        var labels: [String: String] = [:]
        for (number, line) in try lines(labelsPath) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty else { throw ModelFileError("\(labelsPath):\(number): expected <id> TAB <type>") }
            guard known.contains(fields[1]) else { throw ModelFileError("\(labelsPath):\(number): \(fields[1]) is not in \(taxonomyFile)") }
            guard labels.updateValue(fields[1], forKey: fields[0]) == nil else { throw ModelFileError("\(labelsPath):\(number): \(fields[0]) is labelled twice") }
        }
        var typeTexts: [TypedText] = []
        let typeTextsPath = "\(corpusDirectory)/\(typeTextsFile)"
        if FileManager.default.fileExists(atPath: typeTextsPath) {
            for (number, line) in try lines(typeTextsPath) {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count == 2, !fields[1].isEmpty else { throw ModelFileError("\(typeTextsPath):\(number): expected <type> TAB <text>") }
                guard known.contains(fields[0]) else { throw ModelFileError("\(typeTextsPath):\(number): \(fields[0]) is not in \(taxonomyFile)") }
                typeTexts.append(TypedText(type: fields[0], text: fields[1]))
            }
        }
        return ProblemTypeLabels(types: types, labels: labels, typeTexts: typeTexts)
    }

    /// Each example's type as an index into `types` (nil when unlabelled). A label for an id the examples
    /// do not hold is an error: the labels belong to another corpus.
    func indices(for examples: [CorpusExample]) throws -> [Int?] {
        let ids = Set(examples.map(\.id))
        if let stray = labels.keys.sorted().first(where: { !ids.contains($0) }) {
            throw ModelFileError("\(Self.labelsFile): \(stray) is not a training text")
        }
        let index = Dictionary(uniqueKeysWithValues: types.enumerated().map { ($1, $0) })
        return examples.map { example in labels[example.id].flatMap { index[$0] } }
    }

    /// The non-empty lines that are not comments, with their 1-based numbers.
    private static func lines(_ path: String) throws -> [(Int, String)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelFileError("\(path): cannot read") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { ($0.offset + 1, String($0.element)) }
            .filter { !$0.1.trimmingCharacters(in: .whitespaces).isEmpty && !$0.1.hasPrefix("#") }
    }
}
