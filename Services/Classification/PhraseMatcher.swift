/// Finds which of a fixed set of phrases occur in a text in one pass over the text's scalars (phrases
/// indexed by their first scalar), instead of one substring search per phrase.
struct PhraseMatcher: Sendable {
    private let phrases: [String]
    private let scalars: [[UInt32]]
    private let byFirst: [UInt32: [Int]]

    init(_ phrases: [String]) {
        self.phrases = phrases
        scalars = phrases.map { $0.unicodeScalars.map(\.value) }
        var byFirst: [UInt32: [Int]] = [:]
        for (index, phrase) in scalars.enumerated() where !phrase.isEmpty {
            byFirst[phrase[0], default: []].append(index)
        }
        self.byFirst = byFirst
    }

    /// Indices (into the phrase list) of every phrase that occurs, each once, in the order of the list.
    func matches(in text: String) -> [Int] {
        let text = text.unicodeScalars.map(\.value)
        var found = Set<Int>()
        for start in text.indices {
            guard let candidates = byFirst[text[start]] else { continue }
            for index in candidates where !found.contains(index) {
                let phrase = scalars[index]
                if start + phrase.count <= text.count && text[start..<start + phrase.count].elementsEqual(phrase) {
                    found.insert(index)
                }
            }
        }
        return found.sorted()
    }

    /// The first phrase of the list that occurs in the text.
    func firstMatch(in text: String) -> String? {
        matches(in: text).first.map { phrases[$0] }
    }
}
