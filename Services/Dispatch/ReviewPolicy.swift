import Foundation
import MinshengModel
import MinshengPlatform

/// What the command centre reviews before anything is dispatched (待审核), and how long it has to decide
/// on what waits for it: a held report, or an order a unit returned (退回待审). From `review.json` in
/// the config directory; without the file, the defaults below are in force.
///
/// A classified event is held when the classifier was unsure (`needsReview`) or the citizen asked for
/// something a person should answer (a consultation, 咨询) or thank (praise, 表扬) — unless its level is
/// one that must never wait (critical, by default: danger to life goes out at once, and the centre can
/// still reassign it). Repeats of an open order are attached to it as before, never held.
struct ReviewPolicy: Sendable, Equatable {
    /// Hold events the classifier flagged `needsReview`.
    var holdWhenUnsure: Bool
    /// Hold events of these request types.
    var holdRequestTypes: Set<RequestType>
    /// Never hold events of these levels.
    var neverHold: Set<Level>
    /// How long the centre has to decide on a held or returned order, by level.
    var reviewWithin: [Level: DeadlineSpan]

    static let fileName = "review.json"

    static let defaults = ReviewPolicy(
        holdWhenUnsure: true, holdRequestTypes: [.consult, .praise], neverHold: [.critical],
        reviewWithin: [.critical: .minutes(5), .urgent: .minutes(15), .normal: .hours(1), .low: .hours(4)])

    /// Whether a classified event waits for a person at the centre.
    func holds(_ event: ClassifiedEvent) -> Bool {
        guard !neverHold.contains(event.level) else { return false }
        if holdWhenUnsure && event.needsReview == true { return true }
        if let type = event.requestType, holdRequestTypes.contains(type) { return true }
        return false
    }

    /// When the centre must have decided, from `start`.
    func reviewBy(level: Level, from start: Date, calendar: WorkingCalendar) -> Date {
        (reviewWithin[level] ?? .hours(1)).end(from: start, calendar: calendar)
    }
}

extension ReviewPolicy {
    /// `review.json` as written.
    struct File: Decodable, Sendable {
        var holdWhenUnsure: Bool
        var holdRequestTypes: [String]
        var neverHold: [String]
        var reviewWithin: [String: String]
    }

    static func build(_ file: File, problems: inout [ConfigProblem]) -> ReviewPolicy {
        var types: Set<RequestType> = []
        for (index, raw) in file.holdRequestTypes.enumerated() {
            guard let type = RequestType(rawValue: raw) else {
                problems.append(.init("holdRequestTypes[\(index)]", "unknown request type \(raw) (\(RequestType.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            types.insert(type)
        }
        var never: Set<Level> = []
        for (index, raw) in file.neverHold.enumerated() {
            guard let level = Level(rawValue: raw) else {
                problems.append(.init("neverHold[\(index)]", "unknown level \(raw) (critical, urgent, normal, low)"))
                continue
            }
            never.insert(level)
        }
        var within: [Level: DeadlineSpan] = [:]
        for key in file.reviewWithin.keys.sorted() where Level(rawValue: key) == nil {
            problems.append(.init("reviewWithin.\(key)", "unknown level \(key) (critical, urgent, normal, low)"))
        }
        for level in Level.allCases {
            guard let text = file.reviewWithin[level.rawValue] else {
                problems.append(.init("reviewWithin", "\(level.rawValue) is missing"))
                continue
            }
            guard let span = DeadlineSpan(text) else {
                problems.append(.init("reviewWithin.\(level.rawValue)", "\(text) is not a duration: a positive number with s, m, h, d or wd, e.g. 30m"))
                continue
            }
            within[level] = span
        }
        return ReviewPolicy(holdWhenUnsure: file.holdWhenUnsure, holdRequestTypes: types, neverHold: never, reviewWithin: within)
    }

    /// The policy of `review.json`, or the defaults when the file does not exist.
    static func load(directory: String) throws(ConfigurationError) -> ReviewPolicy {
        guard FileManager.default.fileExists(atPath: "\(directory)/\(fileName)") else { return defaults }
        let document = try ConfigDocument<File>.load(file: fileName, directory: directory)
        var problems: [ConfigProblem] = []
        let policy = build(document.value, problems: &problems)
        try document.check(problems)
        return policy
    }
}
