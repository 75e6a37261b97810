import MinshengModel
import MinshengPlatform

/// Thresholds, windows and retention of the classification service, from `classification.json` in the
/// config directory (docs/classification.md lists every setting).
struct ClassificationSettings: Codable, Sendable, Equatable {
    struct Duplicates: Codable, Sendable, Equatable {
        /// How far apart (occurredAt) a report and the one it repeats may be.
        var windowHours: Double
        /// Report similarity from which a report repeats an earlier one (same matter).
        var minSimilarity: Double
    }

    struct Hotspots: Codable, Sendable, Equatable {
        /// How far apart (occurredAt) related reports of a hotspot may be.
        var windowHours: Double
        /// Report similarity from which two reports of one town share a problem.
        var minSimilarity: Double
        /// Reports (including repeats) needed for an alert.
        var minEvents: Int
        /// Distinct reporters needed for an alert (people, not one person calling again).
        var minReporters: Int
    }

    /// The parts of report similarity (`ReportSimilarity`) and of the signature it compares.
    struct Similarity: Codable, Sendable, Equatable {
        var textWeight: Double
        var neighbourWeight: Double
        /// Nearest training texts kept per report.
        var neighbours: Int
        /// How much of the neighbours' words is added to a report's own (0: none).
        var expansion: Double
        /// Whether single characters the corpus knows are terms too (票, 码, 烟 carry meaning alone).
        var unigrams: Bool
        /// The same named place multiplies similarity by 1 + this, different named places by 1 − this.
        var placeWeight: Double
        /// The share of similarity two reports of unrelated categories lose (0…1): the score is multiplied
        /// by 1 − categoryWeight × (1 − category affinity).
        var categoryWeight: Double
        /// Subtracted from every n-gram's IDF: n-grams found in most reports weigh nothing.
        var idfFloor: Double
        /// How sharply an n-gram's topic weight (`ClassifierModel.topicWeight`) counts: its weight is the
        /// topic weight to this power, times its IDF above the floor.
        var topicExponent: Double
        /// How much an n-gram the corpus does not know says about the problem (0…1).
        var unknownInformativeness: Double
        /// N-grams kept per report.
        var maximumTerms: Int
        /// The weight of each problem concept a report names (`ProblemConcepts`), relative to the norm of
        /// its own terms (0: the table is not used).
        var conceptWeight: Double = 0
        /// The share of similarity two reports lose when both name problem concepts and share none (0…1).
        var conceptMismatch: Double = 0
        /// The weight of the problem-type cosine (each report's likeliest types, `ProblemTypeModel`), times
        /// the two reports' category affinity, in what they say, beside the text and neighbour cosines (0:
        /// not used, and signatures hold no types).
        var problemTypeWeight: Double = 0
        /// The most the problem types add, as a multiple of what the words give (the text cosine plus the
        /// weighted neighbour cosine): two reports that share no word and no neighbour gain nothing from
        /// their types, so a wrong type alone never links them (must be > 0 when `problemTypeWeight` is).
        var problemTypeBound: Double = 0

        /// Whether similarity uses the problem types (both a weight and a bound): signatures then hold
        /// them, and the candidate index looks up more terms.
        var usesProblemTypes: Bool { problemTypeWeight > 0 && problemTypeBound > 0 }

        static let standard = Similarity(textWeight: 1, neighbourWeight: 1, neighbours: 10, expansion: 0.5, unigrams: true, placeWeight: 0.15, categoryWeight: 0.15, idfFloor: 0, topicExponent: 1, unknownInformativeness: 0.1, maximumTerms: 48, conceptWeight: 0, conceptMismatch: 0)
    }

    /// How long the tables that grow keep their rows. `recent_event` keeps the longer window (plus an
    /// hour); it needs no setting.
    struct Retention: Codable, Sendable, Equatable {
        /// `classified_event`: the decisions, with their texts.
        var classifiedEventDays: Double
        /// `hotspot`: the alerts, counted from their last update.
        var hotspotDays: Double

        static let standard = Retention(classifiedEventDays: 30, hotspotDays: 90)
    }

    /// Below this category confidence an event is flagged `needsReview`.
    var reviewBelowConfidence: Double
    /// From this probability of `critical` the level is critical (a false alarm beats a miss).
    var criticalProbability: Double
    /// From this probability of a police matter the event is one (the rules add certain cases).
    var policeProbability: Double
    var duplicates: Duplicates
    var hotspots: Hotspots
    var similarity: Similarity
    /// Support a matter of several reports asks of a report before it joins or relates to it
    /// (`MatterSupport`); nil: the most similar report alone decides (single linkage).
    var matterSupport: MatterSupport?
    /// Support a hotspot asks of each report it takes in, from its other reports (`MatterSupport`'s rule
    /// over the hotspot instead of a matter); nil: every report of its matters and related reports joins.
    var hotspotSupport: MatterSupport?
    var retention: Retention

    static let fileName = "classification.json"

    init(reviewBelowConfidence: Double, criticalProbability: Double, policeProbability: Double, duplicates: Duplicates,
         hotspots: Hotspots, similarity: Similarity = .standard, matterSupport: MatterSupport? = nil,
         hotspotSupport: MatterSupport? = nil, retention: Retention = .standard) {
        self.reviewBelowConfidence = reviewBelowConfidence
        self.criticalProbability = criticalProbability
        self.policeProbability = policeProbability
        self.duplicates = duplicates
        self.hotspots = hotspots
        self.similarity = similarity
        self.matterSupport = matterSupport
        self.hotspotSupport = hotspotSupport
        self.retention = retention
    }

    enum CodingKeys: String, CodingKey {
        case reviewBelowConfidence, criticalProbability, policeProbability, duplicates, hotspots, similarity, matterSupport, hotspotSupport, retention
    }

    /// `similarity`, `matterSupport`, `hotspotSupport` and `retention` may be left out (their defaults apply;
    /// no matter or hotspot support).
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        reviewBelowConfidence = try container.decode(Double.self, forKey: .reviewBelowConfidence)
        criticalProbability = try container.decode(Double.self, forKey: .criticalProbability)
        policeProbability = try container.decode(Double.self, forKey: .policeProbability)
        duplicates = try container.decode(Duplicates.self, forKey: .duplicates)
        hotspots = try container.decode(Hotspots.self, forKey: .hotspots)
        similarity = try container.decodeIfPresent(Similarity.self, forKey: .similarity) ?? .standard
        matterSupport = try container.decodeIfPresent(MatterSupport.self, forKey: .matterSupport)
        hotspotSupport = try container.decodeIfPresent(MatterSupport.self, forKey: .hotspotSupport)
        retention = try container.decodeIfPresent(Retention.self, forKey: .retention) ?? .standard
    }

    /// The longer of the two windows, in seconds: how long a report stays comparable.
    var longestWindow: Double { max(duplicates.windowHours, hotspots.windowHours) * 3600 }

    func problems() -> [String] {
        var problems: [String] = []
        func check(_ ok: Bool, _ message: String) { if !ok { problems.append(message) } }
        check((0...1).contains(reviewBelowConfidence), "reviewBelowConfidence must be from 0 to 1")
        check((0...1).contains(criticalProbability), "criticalProbability must be from 0 to 1")
        check((0...1).contains(policeProbability), "policeProbability must be from 0 to 1")
        check(duplicates.windowHours > 0, "duplicates.windowHours must be > 0")
        check(duplicates.minSimilarity > 0, "duplicates.minSimilarity must be > 0")
        check(hotspots.windowHours > 0, "hotspots.windowHours must be > 0")
        check(hotspots.minSimilarity > 0, "hotspots.minSimilarity must be > 0")
        check(hotspots.minEvents >= 2, "hotspots.minEvents must be at least 2")
        check(hotspots.minReporters >= 1 && hotspots.minReporters <= hotspots.minEvents,
              "hotspots.minReporters must be from 1 to hotspots.minEvents")
        check(similarity.textWeight >= 0 && similarity.neighbourWeight >= 0 && similarity.placeWeight >= 0 && similarity.categoryWeight >= 0,
              "similarity weights must be >= 0")
        check(similarity.textWeight + similarity.neighbourWeight > 0, "similarity.textWeight or similarity.neighbourWeight must be > 0")
        check(similarity.categoryWeight <= 1, "similarity.categoryWeight must be from 0 to 1")
        check((0...255).contains(similarity.neighbours), "similarity.neighbours must be from 0 to 255")
        check(similarity.expansion >= 0, "similarity.expansion must be >= 0")
        check(similarity.idfFloor >= 0, "similarity.idfFloor must be >= 0")
        check(similarity.topicExponent >= 0, "similarity.topicExponent must be >= 0")
        check((0...1).contains(similarity.unknownInformativeness), "similarity.unknownInformativeness must be from 0 to 1")
        check((1...255).contains(similarity.maximumTerms), "similarity.maximumTerms must be from 1 to 255")
        check(similarity.conceptWeight >= 0, "similarity.conceptWeight must be >= 0")
        check((0...1).contains(similarity.conceptMismatch), "similarity.conceptMismatch must be from 0 to 1")
        check(similarity.problemTypeWeight >= 0, "similarity.problemTypeWeight must be >= 0")
        check(similarity.problemTypeBound >= 0, "similarity.problemTypeBound must be >= 0")
        check(similarity.problemTypeWeight == 0 || similarity.problemTypeBound > 0,
              "similarity.problemTypeBound must be > 0 when similarity.problemTypeWeight is (it bounds what the types add)")
        problems += matterSupport?.problems() ?? []
        problems += hotspotSupport?.problems(setting: "hotspotSupport") ?? []
        check(retention.classifiedEventDays * 24 >= max(duplicates.windowHours, hotspots.windowHours),
              "retention.classifiedEventDays must cover the longer window")
        check(retention.hotspotDays * 24 >= hotspots.windowHours, "retention.hotspotDays must cover the hotspot window")
        return problems
    }

    static func load(directory: String) throws(ConfigurationError) -> ClassificationSettings {
        let settings = try ConfigFile.load(ClassificationSettings.self, file: fileName, directory: directory)
        try ConfigFile.check(settings.problems(), file: fileName, directory: directory)
        return settings
    }
}

extension ClassificationSettings.Similarity {
    /// `problemTypeWeight` and `problemTypeBound` may be left out (0: problem types not used); every
    /// other key is required.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        textWeight = try container.decode(Double.self, forKey: .textWeight)
        neighbourWeight = try container.decode(Double.self, forKey: .neighbourWeight)
        neighbours = try container.decode(Int.self, forKey: .neighbours)
        expansion = try container.decode(Double.self, forKey: .expansion)
        unigrams = try container.decode(Bool.self, forKey: .unigrams)
        placeWeight = try container.decode(Double.self, forKey: .placeWeight)
        categoryWeight = try container.decode(Double.self, forKey: .categoryWeight)
        idfFloor = try container.decode(Double.self, forKey: .idfFloor)
        topicExponent = try container.decode(Double.self, forKey: .topicExponent)
        unknownInformativeness = try container.decode(Double.self, forKey: .unknownInformativeness)
        maximumTerms = try container.decode(Int.self, forKey: .maximumTerms)
        conceptWeight = try container.decode(Double.self, forKey: .conceptWeight)
        conceptMismatch = try container.decode(Double.self, forKey: .conceptMismatch)
        problemTypeWeight = try container.decodeIfPresent(Double.self, forKey: .problemTypeWeight) ?? 0
        problemTypeBound = try container.decodeIfPresent(Double.self, forKey: .problemTypeBound) ?? 0
    }
}
