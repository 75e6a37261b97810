/// The common theme of a cluster of reports: the longest phrases most of them share
/// (e.g. 梅湾街, 停车, 小票), for a hotspot alert a person reads.
enum ThemeFinder {
    static func theme(of texts: [String], maximumPhrases: Int = 3) -> [String] {
        guard texts.count >= 2 else { return [] }
        let normalised = texts.map { TextFeatures.normalisedScalars($0).compactMap(Unicode.Scalar.init).map(Character.init) }
        let needed = max(2, Int((Double(texts.count) * 0.6).rounded(.up)))
        var chosen: [String] = []
        for length in stride(from: 5, through: 2, by: -1) {
            var documents: [String: Int] = [:]
            for characters in normalised where characters.count >= length {
                var seen = Set<String>()
                for start in 0...(characters.count - length) {
                    seen.insert(String(characters[start..<start + length]))
                }
                for phrase in seen { documents[phrase, default: 0] += 1 }
            }
            let candidates = documents.filter { $0.value >= needed && !isGeneric($0.key) }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            for (phrase, _) in candidates where !chosen.contains(where: { $0.contains(phrase) || phrase.contains($0) }) {
                // Overlapping phrases (停车收 / 车收费) add nothing once one of them is in.
                if chosen.contains(where: { overlaps($0, phrase) }) { continue }
                chosen.append(phrase)
                if chosen.count == maximumPhrases { return chosen }
            }
        }
        return chosen
    }

    private static func isGeneric(_ phrase: String) -> Bool {
        let scalars = Array(phrase.unicodeScalars.map(\.value))
        if scalars.allSatisfy({ $0 < 0x80 }) { return true }  // digits and latin letters alone
        for index in 0..<(scalars.count - 1) where !Shingles.stopHashes.contains(Shingles.hash(scalars[index], scalars[index + 1])) {
            return false
        }
        return true
    }

    /// Whether the end of one phrase is the start of the other.
    private static func overlaps(_ a: String, _ b: String) -> Bool {
        let a = Array(a), b = Array(b)
        for k in 1..<min(a.count, b.count) where Array(a.suffix(k)) == Array(b.prefix(k)) || Array(b.suffix(k)) == Array(a.prefix(k)) {
            return true
        }
        return false
    }
}
