import MinshengModel
import MinshengPlatform

/// Thresholds and windows of the classification service, from `classification.json` in the config
/// directory.
struct ClassificationSettings: Codable, Sendable, Equatable {
    struct Duplicates: Codable, Sendable, Equatable {
        /// How far back an open event can be repeated.
        var windowHours: Double
        /// Character-bigram Jaccard similarity from which two reports of one place are the same matter.
        var minSimilarity: Double
    }

    struct Hotspots: Codable, Sendable, Equatable {
        var windowHours: Double
        /// Similarity from which two reports of one area share a theme.
        var minSimilarity: Double
        /// Reports (including repeats) needed for an alert.
        var minEvents: Int
        /// Distinct reporters needed for an alert (people, not one person calling again).
        var minReporters: Int
    }

    /// Below this category confidence an event is flagged `needsReview`.
    var reviewBelowConfidence: Double
    /// From this probability of `critical` the level is critical (a false alarm beats a miss).
    var criticalProbability: Double
    /// From this probability of a police matter the event is one (the rules add certain cases).
    var policeProbability: Double
    var duplicates: Duplicates
    var hotspots: Hotspots

    static let fileName = "classification.json"

    func problems() -> [String] {
        var problems: [String] = []
        func check(_ ok: Bool, _ message: String) { if !ok { problems.append(message) } }
        check((0...1).contains(reviewBelowConfidence), "reviewBelowConfidence must be from 0 to 1")
        check((0...1).contains(criticalProbability), "criticalProbability must be from 0 to 1")
        check((0...1).contains(policeProbability), "policeProbability must be from 0 to 1")
        check(duplicates.windowHours > 0, "duplicates.windowHours must be > 0")
        check((0...1).contains(duplicates.minSimilarity), "duplicates.minSimilarity must be from 0 to 1")
        check(hotspots.windowHours > 0, "hotspots.windowHours must be > 0")
        check((0...1).contains(hotspots.minSimilarity), "hotspots.minSimilarity must be from 0 to 1")
        check(hotspots.minEvents >= 2, "hotspots.minEvents must be at least 2")
        check(hotspots.minReporters >= 1 && hotspots.minReporters <= hotspots.minEvents,
              "hotspots.minReporters must be from 1 to hotspots.minEvents")
        return problems
    }

    static func load(directory: String) throws(ConfigurationError) -> ClassificationSettings {
        let settings = try ConfigFile.load(ClassificationSettings.self, file: fileName, directory: directory)
        try ConfigFile.check(settings.problems(), file: fileName, directory: directory)
        return settings
    }
}
