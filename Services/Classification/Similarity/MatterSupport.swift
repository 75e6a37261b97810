/// Whether a matter as a whole supports a new report, not only its one most similar report (issue 12:
/// "support from the matter, not one member").
///
/// Single linkage lets a short report of another problem at the same named place join a matter through
/// the one member it shares a few words with (晚上, 吵 next to square dancing; 饭店 next to food
/// poisoning): the same place doubles a score of 0.1–0.2 past the threshold. A report of the matter's own
/// problem usually resembles more than one of its members. So, once a matter holds `fromMembers`
/// reports (in the window), a report joins it (or relates to it for a hotspot) only when
///
/// - its scores against the matter's members, best first, have a second best of at least `secondBest`
///   (another member than the one it matched most agrees), and
/// - their mean is at least `meanScore` (average link to the matter),
///
/// unless its best score alone reaches `soleMatch` (a near copy of one member: someone calling again in
/// the same words). A bound of 0 is not asked for; with both 0 the rule admits everything.
/// Smaller matters are joined on the best score alone, as before: a matter of one or two reports has no
/// "rest" to agree, and one early distractor in a small matter must not shut the problem's later reports
/// out of it.
///
/// The same rule, with its own bounds, is what a hotspot asks of each report it takes in
/// (`ClassificationSettings.hotspotSupport`, docs/classification.md "Hotspot support").
///
/// The detector (`RepeatDetector`) asks it of the matter a report would repeat (when the most similar
/// matter does not support the report, the next one may), and of both sides of a hotspot relation: the
/// related report's matter must support the new report, and the new report's matter (with it) must
/// support the related report, so a distractor is not pulled in later by a member it resembles.
struct MatterSupport: Codable, Sendable, Hashable {
    /// Members (in the window, besides the new report) from which a matter asks for support (≥ 2).
    var fromMembers: Int
    /// The score the second most similar member must reach (0: not asked).
    var secondBest: Double
    /// The mean score over the members must reach this (0: not asked).
    var meanScore: Double = 0
    /// A best score from which one member alone suffices (nil: never).
    var soleMatch: Double?

    init(fromMembers: Int, secondBest: Double, meanScore: Double = 0, soleMatch: Double? = nil) {
        self.fromMembers = fromMembers
        self.secondBest = secondBest
        self.meanScore = meanScore
        self.soleMatch = soleMatch
    }

    /// `meanScore` and `soleMatch` may be left out.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fromMembers = try container.decode(Int.self, forKey: .fromMembers)
        secondBest = try container.decode(Double.self, forKey: .secondBest)
        meanScore = try container.decodeIfPresent(Double.self, forKey: .meanScore) ?? 0
        soleMatch = try container.decodeIfPresent(Double.self, forKey: .soleMatch)
    }

    /// Whether a report whose scores against the matter's members are `scores` (any order) may join or
    /// relate to it.
    func admits(_ scores: [Double]) -> Bool {
        guard scores.count >= fromMembers else { return true }
        let ordered = scores.sorted(by: >)
        if let soleMatch, ordered[0] >= soleMatch { return true }
        if secondBest > 0 && ordered[1] < secondBest { return false }
        if meanScore > 0 && ordered.reduce(0, +) / Double(ordered.count) < meanScore { return false }
        return true
    }

    /// What is wrong with the rule, each message naming the setting (`name`) it was read from.
    func problems(setting name: String = "matterSupport") -> [String] {
        var problems: [String] = []
        if fromMembers < 2 { problems.append("\(name).fromMembers must be at least 2") }
        if secondBest < 0 || meanScore < 0 { problems.append("\(name).secondBest and .meanScore must be >= 0") }
        if let soleMatch, soleMatch <= 0 { problems.append("\(name).soleMatch must be > 0") }
        return problems
    }
}
