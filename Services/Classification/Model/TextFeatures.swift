/// Character n-gram features of a text: Chinese needs no word segmenter for this. The text is
/// normalised (full-width ASCII to half-width, ASCII lower-cased, white space and punctuation dropped),
/// then every run of one, two and three characters is a feature, each counted once per text.
///
/// Keys are reversible (an explanation can name the n-gram) and live in disjoint ranges:
/// a unigram is the scalar (< 2^21); a trigram packs three scalars (2^42 ≤ key < 2^62, the first scalar
/// below 2^20); a bigram sets bit 63 and packs two scalars; context features (`ModelInput`) set bit 62.
enum TextFeatures {
    typealias Key = UInt64

    /// The longest n-gram the models use.
    static let longest = 3

    static func keys(of text: String, longest: Int = TextFeatures.longest) -> [Key] {
        keys(ofScalars: normalisedScalars(text), longest: longest)
    }

    static func keys(ofScalars scalars: [UInt32], longest: Int = TextFeatures.longest) -> [Key] {
        var keys = Set<Key>(minimumCapacity: scalars.count * longest)
        for index in scalars.indices {
            keys.insert(Key(scalars[index]))
            if longest >= 2, index + 1 < scalars.count {
                keys.insert(bigram(scalars[index], scalars[index + 1]))
                if longest >= 3, index + 2 < scalars.count, scalars[index] < 1 << 20 {
                    keys.insert(trigram(scalars[index], scalars[index + 1], scalars[index + 2]))
                }
            }
        }
        return Array(keys)
    }

    static func bigram(_ first: UInt32, _ second: UInt32) -> Key {
        (1 << 63) | (Key(first) << 21) | Key(second)
    }

    static func trigram(_ first: UInt32, _ second: UInt32, _ third: UInt32) -> Key {
        (Key(first) << 42) | (Key(second) << 21) | Key(third)
    }

    /// How many characters the n-gram of a text key has (0 for a context key).
    static func length(_ key: Key) -> Int {
        if key & (1 << 63) != 0 { return 2 }
        if key & (1 << 62) != 0 { return 0 }
        return key >= 1 << 42 ? 3 : 1
    }

    /// The feature as text, for explanations.
    static func describe(_ key: Key) -> String {
        func character(_ value: UInt64) -> String {
            Unicode.Scalar(UInt32(value & 0x1F_FFFF)).map { String(Character($0)) } ?? "?"
        }
        switch length(key) {
        case 1: return character(key)
        case 2: return character(key >> 21) + character(key)
        case 3: return character(key >> 42) + character(key >> 21) + character(key)
        default: return "·"
        }
    }

    /// The scalars that carry meaning, normalised.
    static func normalisedScalars(_ text: String) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            var value = scalar.value
            if value < 0x80 {
                // ASCII fast path: letters lower-cased, digits kept, the rest (space, punctuation) dropped.
                if (0x41...0x5A).contains(value) { value += 0x20 }
                if (0x61...0x7A).contains(value) || (0x30...0x39).contains(value) { result.append(value) }
                continue
            }
            if (0xFF01...0xFF5E).contains(value) { value -= 0xFEE0 }  // full-width ASCII
            if (0x41...0x5A).contains(value) { value += 0x20 }  // ASCII upper case
            if value < 0x80 {
                if (0x61...0x7A).contains(value) || (0x30...0x39).contains(value) { result.append(value) }
                continue
            }
            if (0x4E00...0x9FFF).contains(value) {  // CJK ideographs: the common case
                result.append(value)
                continue
            }
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
