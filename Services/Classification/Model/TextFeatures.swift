/// Character n-gram features of a text: Chinese needs no word segmenter for this. The text is
/// normalised (full-width ASCII to half-width, ASCII lower-cased, white space and punctuation dropped),
/// then every character (unigram) and every pair of adjacent characters (bigram) is a feature, each
/// counted once per text.
enum TextFeatures {
    /// A feature's key: a unigram is the scalar's value; a bigram packs both scalars above bit 21.
    typealias Key = UInt64

    static func keys(of text: String) -> [Key] {
        let scalars = normalisedScalars(text)
        var keys = Set<Key>(minimumCapacity: scalars.count * 2)
        for (index, scalar) in scalars.enumerated() {
            keys.insert(Key(scalar))
            if index + 1 < scalars.count {
                keys.insert(bigram(scalar, scalars[index + 1]))
            }
        }
        return Array(keys)
    }

    static func bigram(_ first: UInt32, _ second: UInt32) -> Key {
        (1 << 63) | (Key(first) << 21) | Key(second)
    }

    /// The feature as text, for explanations.
    static func describe(_ key: Key) -> String {
        func character(_ value: UInt64) -> String {
            Unicode.Scalar(UInt32(value & 0x1F_FFFF)).map { String(Character($0)) } ?? "?"
        }
        if key & (1 << 63) != 0 { return character(key >> 21) + character(key) }
        return character(key)
    }

    /// The scalars that carry meaning, normalised.
    static func normalisedScalars(_ text: String) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            var value = scalar.value
            if (0xFF01...0xFF5E).contains(value) { value -= 0xFEE0 }  // full-width ASCII
            if (0x41...0x5A).contains(value) { value += 0x20 }  // ASCII upper case
            guard let normalised = Unicode.Scalar(value) else { continue }
            let properties = normalised.properties
            if properties.isWhitespace { continue }
            switch properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation, .control, .format,
                 .nonspacingMark, .enclosingMark, .spaceSeparator:
                continue
            default:
                result.append(value)
            }
        }
        return result
    }
}
