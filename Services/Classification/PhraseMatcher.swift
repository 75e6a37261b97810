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

    /// The first phrase of the list that occurs in the text, not counting an occurrence that one of
    /// `guards` ends shortly before (within `window` scalars): "万一着火", "担心起火", "以为是着火".
    func firstMatch(in text: String, unlessAfter guards: PhraseMatcher, window: Int) -> String? {
        let scalars = text.unicodeScalars.map(\.value)
        var best: (index: Int, phrase: Int)?
        for start in scalars.indices {
            guard let candidates = byFirst[scalars[start]] else { continue }
            for index in candidates {
                let phrase = self.scalars[index]
                guard start + phrase.count <= scalars.count, scalars[start..<start + phrase.count].elementsEqual(phrase) else { continue }
                let before = Array(scalars[max(0, start - window - 4)..<start])
                if guards.endsWithin(before, window: window) { continue }
                if best == nil || index < best!.phrase { best = (start, index) }
            }
        }
        return best.map { phrases[$0.phrase] }
    }

    /// Whether one of the phrases ends within the last `window` scalars of `scalars`.
    private func endsWithin(_ scalars: [UInt32], window: Int) -> Bool {
        for start in scalars.indices {
            guard let candidates = byFirst[scalars[start]] else { continue }
            for index in candidates {
                let phrase = self.scalars[index]
                let end = start + phrase.count
                if end <= scalars.count, scalars.count - end <= window, scalars[start..<end].elementsEqual(phrase) { return true }
            }
        }
        return false
    }
}
