import Foundation
import MinshengModel
import MinshengPlatform

/// How long a unit has to sign for (签收), be on site (到场) and resolve (办结) a work order, by level,
/// with per-category overrides; when the yellow warning comes (80% by default); and how long the centre
/// waits for the citizen's feedback before closing a resolved order. Loaded from `deadlines.json`.
/// Pure: every function takes the start instant, nothing reads the clock.
struct DeadlinePolicy: Sendable, Equatable {
    /// The spans of one level.
    struct Spans: Sendable, Equatable {
        var sign: DeadlineSpan
        /// Only levels that need someone on site have one (critical, by default).
        var onSite: DeadlineSpan?
        var resolve: DeadlineSpan
    }

    /// What a category changes for one level; nil keeps the level's span.
    struct Override: Sendable, Equatable {
        var sign: DeadlineSpan?
        var onSite: DeadlineSpan?
        var resolve: DeadlineSpan?
    }

    var levels: [Level: Spans]
    var categories: [Category: [Level: Override]]
    /// The share of a deadline after which the warning (yellow) fires, 0 < x < 1.
    var warningFraction: Double
    /// A resolved order is closed when the citizen's feedback has not come within this (回访时限).
    var feedbackPeriod: DeadlineSpan
    /// After dispatch was down, overdue timers that came due meanwhile fire this long (at most the
    /// downtime) after the restart: units could not sign while the API was down.
    var restartGrace: TimeInterval = 600

    func spans(level: Level, category: Category) -> Spans {
        var spans = levels[level]!  // `build` guarantees every level
        if let override = categories[category]?[level] {
            if let sign = override.sign { spans.sign = sign }
            if let onSite = override.onSite { spans.onSite = onSite }
            if let resolve = override.resolve { spans.resolve = resolve }
        }
        return spans
    }

    /// The deadlines of a round of handling that starts at `start`.
    func deadlines(level: Level, category: Category, from start: Date, calendar: WorkingCalendar) -> Deadlines {
        let spans = spans(level: level, category: category)
        func at(_ span: DeadlineSpan, _ fraction: Double = 1) -> Date { span.end(from: start, fraction: fraction, calendar: calendar) }
        return Deadlines(
            signBy: at(spans.sign), onSiteBy: spans.onSite.map { at($0) }, resolveBy: at(spans.resolve),
            signWarningAt: at(spans.sign, warningFraction), onSiteWarningAt: spans.onSite.map { at($0, warningFraction) },
            resolveWarningAt: at(spans.resolve, warningFraction))
    }

    /// When a resolved order is closed without feedback.
    func feedbackDue(resolvedAt: Date, calendar: WorkingCalendar) -> Date {
        feedbackPeriod.end(from: resolvedAt, calendar: calendar)
    }
}

/// The deadlines of one round of a work order, and the instants its timers fire.
struct Deadlines: Sendable, Equatable {
    var signBy: Date
    var onSiteBy: Date?
    var resolveBy: Date
    var signWarningAt: Date
    var onSiteWarningAt: Date?
    var resolveWarningAt: Date

    /// Every timer of the round, in no particular order.
    var timers: [(kind: DeadlineTimer.Kind, dueAt: Date)] {
        var timers: [(DeadlineTimer.Kind, Date)] = [
            (.signWarning, signWarningAt), (.signOverdue, signBy), (.resolveWarning, resolveWarningAt), (.resolveOverdue, resolveBy),
        ]
        if let onSiteWarningAt, let onSiteBy {
            timers += [(.onSiteWarning, onSiteWarningAt), (.onSiteOverdue, onSiteBy)]
        }
        return timers
    }
}

extension DeadlinePolicy {
    /// `deadlines.json` as written: spans as text (`5m`, `2h`, `5wd`).
    struct File: Decodable, Sendable {
        struct Spans: Decodable, Sendable {
            var sign: String?
            var onSite: String?
            var resolve: String?
        }

        var warningAt: Double
        var feedbackPeriod: String
        var restartGrace: String?
        var levels: [String: Spans]
        var categories: [String: [String: Spans]]?
    }

    /// The policy a file describes; what is wrong goes to `problems`, each naming its place.
    static func build(_ file: File, problems: inout [ConfigProblem]) -> DeadlinePolicy {
        func span(_ text: String?, _ path: String) -> DeadlineSpan? {
            guard let text else { return nil }
            guard let span = DeadlineSpan(text) else {
                problems.append(.init(path, "\(text) is not a duration: a positive number with s, m, h, d or wd (working days), e.g. 30m, 5wd"))
                return nil
            }
            return span
        }
        if !(file.warningAt > 0 && file.warningAt < 1) {
            problems.append(.init("warningAt", "must be between 0 and 1 (0.8: the warning at 80% of each deadline)"))
        }
        let feedback = span(file.feedbackPeriod, "feedbackPeriod") ?? .workingDays(3)
        var restartGrace: TimeInterval = 600
        if let text = file.restartGrace {
            if text.trimmingCharacters(in: .whitespaces) == "0" {
                restartGrace = 0
            } else if let grace = span(text, "restartGrace") {
                if grace.unit == .seconds {
                    restartGrace = grace.amount
                } else {
                    problems.append(.init("restartGrace", "must be clock time (s, m, h), not working days"))
                }
            }
        }
        var levels: [Level: Spans] = [:]
        for key in file.levels.keys.sorted() where Level(rawValue: key) == nil {
            problems.append(.init("levels.\(key)", "unknown level \(key) (critical, urgent, normal, low)"))
        }
        for level in Level.allCases {
            let path = "levels.\(level.rawValue)"
            guard let written = file.levels[level.rawValue] else {
                problems.append(.init("levels", "\(level.rawValue) is missing"))
                continue
            }
            let sign = span(written.sign, "\(path).sign")
            let resolve = span(written.resolve, "\(path).resolve")
            let onSite = span(written.onSite, "\(path).onSite")
            if written.sign == nil { problems.append(.init(path, "sign is missing")) }
            if written.resolve == nil { problems.append(.init(path, "resolve is missing")) }
            if let sign, let resolve {
                let spans = Spans(sign: sign, onSite: onSite, resolve: resolve)
                problems += Self.orderProblems(spans, path: path)
                levels[level] = spans
            }
        }
        var categories: [Category: [Level: Override]] = [:]
        for (categoryKey, byLevel) in (file.categories ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let category = Category(rawValue: categoryKey) else {
                problems.append(.init("categories.\(categoryKey)", "unknown category \(categoryKey)"))
                continue
            }
            for (levelKey, written) in byLevel.sorted(by: { $0.key < $1.key }) {
                let path = "categories.\(categoryKey).\(levelKey)"
                guard let level = Level(rawValue: levelKey) else {
                    problems.append(.init(path, "unknown level \(levelKey) (critical, urgent, normal, low)"))
                    continue
                }
                let override = Override(sign: span(written.sign, "\(path).sign"), onSite: span(written.onSite, "\(path).onSite"),
                                        resolve: span(written.resolve, "\(path).resolve"))
                categories[category, default: [:]][level] = override
                if var spans = levels[level] {
                    spans.sign = override.sign ?? spans.sign
                    spans.onSite = override.onSite ?? spans.onSite
                    spans.resolve = override.resolve ?? spans.resolve
                    problems += Self.orderProblems(spans, path: path)
                }
            }
        }
        return DeadlinePolicy(levels: levels, categories: categories, warningFraction: file.warningAt, feedbackPeriod: feedback,
                              restartGrace: restartGrace)
    }

    /// Signing cannot be due after resolving, nor being on site after resolving (when comparable).
    private static func orderProblems(_ spans: Spans, path: String) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        if spans.resolve.isAtMost(spans.sign) == true && spans.resolve != spans.sign {
            problems.append(.init(path, "resolve (\(spans.resolve)) is shorter than sign (\(spans.sign))"))
        }
        if let onSite = spans.onSite, spans.resolve.isAtMost(onSite) == true && spans.resolve != onSite {
            problems.append(.init(path, "resolve (\(spans.resolve)) is shorter than onSite (\(onSite))"))
        }
        return problems
    }

    static func load(directory: String) throws(ConfigurationError) -> DeadlinePolicy {
        let document = try ConfigDocument<File>.load(file: "deadlines.json", directory: directory)
        var problems: [ConfigProblem] = []
        let policy = build(document.value, problems: &problems)
        try document.check(problems)
        return policy
    }
}
