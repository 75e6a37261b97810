/// A text as a set of character bigrams (hashed), for comparing reports: two reports of one problem
/// share many bigrams even in other words ("停车" "收费" "小票"). Generic hotline phrasing (市民来电反映…)
/// is left out so that it does not make unrelated reports look alike.
struct Shingles: Sendable, Equatable {
    /// Sorted, unique bigram hashes.
    let hashes: [UInt32]

    init(text: String) {
        let scalars = TextFeatures.normalisedScalars(text)
        var set = Set<UInt32>()
        if scalars.count >= 2 {
            for index in 0..<(scalars.count - 1) {
                let hash = Self.hash(scalars[index], scalars[index + 1])
                if !Self.stopHashes.contains(hash) { set.insert(hash) }
            }
        }
        hashes = set.sorted()
    }

    init(hashes: [UInt32]) { self.hashes = hashes }

    /// Overlap coefficient |A ∩ B| / min(|A|, |B|): a terse grid note and a long hotline transcript of
    /// the same matter still score high. 0 when either is empty.
    func similarity(to other: Shingles) -> Double {
        guard !hashes.isEmpty, !other.hashes.isEmpty else { return 0 }
        var i = 0
        var j = 0
        var shared = 0
        while i < hashes.count && j < other.hashes.count {
            if hashes[i] == other.hashes[j] {
                shared += 1
                i += 1
                j += 1
            } else if hashes[i] < other.hashes[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return Double(shared) / Double(min(hashes.count, other.hashes.count))
    }

    /// Little-endian bytes, for SQLite.
    var bytes: [UInt8] { hashes.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) } }

    init(bytes: [UInt8]) {
        var hashes: [UInt32] = []
        hashes.reserveCapacity(bytes.count / 4)
        var index = 0
        while index + 4 <= bytes.count {
            hashes.append(UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                          | UInt32(bytes[index + 3]) << 24)
            index += 4
        }
        self.hashes = hashes
    }

    static func hash(_ first: UInt32, _ second: UInt32) -> UInt32 {
        var value = UInt64(first) << 21 | UInt64(second)
        value = (value ^ (value >> 33)) &* 0xff51_afd7_ed55_8ccd
        value = (value ^ (value >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return UInt32(truncatingIfNeeded: value ^ (value >> 33))
    }

    /// Bigrams of generic phrasing that say nothing about the matter.
    static let stopBigrams = [
        "市民", "民来", "来电", "电反", "反映", "映称", "报警", "警人", "人称", "希望", "处理", "要求", "相关", "部门", "我们", "你们",
        "现在", "一下", "这个", "那个", "没有", "一个", "已经", "还是", "就是", "什么", "怎么", "可以", "问题", "情况", "附近",
        "这里", "那里", "有人", "一直", "了一", "我家", "他们", "不是", "请问", "咨询", "巡查", "查发", "发现", "网格",
    ]

    static let stopHashes: Set<UInt32> = Set(stopBigrams.map { bigram in
        let scalars = Array(bigram.unicodeScalars.map(\.value))
        return hash(scalars[0], scalars[1])
    })
}
