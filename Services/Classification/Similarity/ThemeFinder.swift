/// The common theme of a cluster of reports: the longest phrases most of them share
/// (e.g. 梅湾街, 停车, 小票), for a hotspot alert a person reads.
enum ThemeFinder {
    static func theme(of texts: [String], maximumPhrases: Int = 3) -> [String] {
        guard texts.count >= 2 else { return [] }
        let normalised = texts.map(TextFeatures.normalisedScalars)
        let needed = max(2, Int((Double(texts.count) * 0.6).rounded(.up)))
        var chosen: [String] = []
        for length in stride(from: 5, through: 2, by: -1) {
            // A phrase of up to five scalars (21 bits each) packed into one integer: counted without making
            // a string of every substring; only the phrases most texts share become strings.
            var documents: [UInt128: Int] = [:]
            var seen = Set<UInt128>()
            for scalars in normalised where scalars.count >= length {
                seen.removeAll(keepingCapacity: true)
                for start in 0...(scalars.count - length) {
                    var key: UInt128 = 0
                    for scalar in scalars[start..<start + length] { key = key << 21 | UInt128(scalar) }
                    seen.insert(key)
                }
                for phrase in seen { documents[phrase, default: 0] += 1 }
            }
            let candidates = documents.compactMap { key, count -> (phrase: String, count: Int)? in
                guard count >= needed else { return nil }
                let phrase = phrase(key, length: length)
                return isGeneric(phrase) ? nil : (phrase, count)
            }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.phrase < $1.phrase }
            for (phrase, _) in candidates where !chosen.contains(where: { $0.contains(phrase) || phrase.contains($0) }) {
                // Overlapping phrases (停车收 / 车收费) add nothing once one of them is in.
                if chosen.contains(where: { overlaps($0, phrase) }) { continue }
                chosen.append(phrase)
                if chosen.count == maximumPhrases { return chosen }
            }
        }
        return chosen
    }

    /// The phrase of `length` scalars packed into `key`.
    private static func phrase(_ key: UInt128, length: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for index in stride(from: length - 1, through: 0, by: -1) {
            if let scalar = Unicode.Scalar(UInt32(truncatingIfNeeded: key >> (21 * index)) & 0x1F_FFFF) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    private static func isGeneric(_ phrase: String) -> Bool {
        let scalars = Array(phrase.unicodeScalars.map(\.value))
        if scalars.allSatisfy({ $0 < 0x80 }) { return true }  // digits and latin letters alone
        for index in 0..<(scalars.count - 1) where !genericBigrams.contains(TextFeatures.bigram(scalars[index], scalars[index + 1])) {
            return false
        }
        return true
    }

    /// Bigrams of generic phrasing that say nothing about the matter (市民来电反映…希望处理).
    static let genericBigrams: Set<TextFeatures.Key> = Set([
        "市民", "民来", "来电", "电反", "反映", "映称", "报警", "警人", "人称", "希望", "处理", "要求", "相关", "部门", "我们", "你们",
        "现在", "一下", "这个", "那个", "没有", "一个", "已经", "还是", "就是", "什么", "怎么", "可以", "问题", "情况", "附近",
        "这里", "那里", "有人", "一直", "了一", "我家", "他们", "不是", "请问", "咨询", "巡查", "查发", "发现", "网格", "来电人",
        "电人", "诉求", "求人", "上报", "网格员",
    ].filter { $0.unicodeScalars.count == 2 }.map { bigram in
        let scalars = Array(bigram.unicodeScalars.map(\.value))
        return TextFeatures.bigram(scalars[0], scalars[1])
    })

    /// Whether the end of one phrase is the start of the other.
    private static func overlaps(_ a: String, _ b: String) -> Bool {
        let a = Array(a), b = Array(b)
        for k in 1..<min(a.count, b.count) where Array(a.suffix(k)) == Array(b.prefix(k)) || Array(b.suffix(k)) == Array(a.prefix(k)) {
            return true
        }
        return false
    }
}
