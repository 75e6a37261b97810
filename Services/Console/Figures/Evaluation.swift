import Foundation
import GRDB
import MinshengModel

/// The evaluation (考核) of units and towns over a period, from each hand-over of an order to a unit
/// (a round) that started in the period: how many, how often signed and resolved on time, the closure
/// rate (办结率: resolved over rounds not returned), the citizens' satisfaction, returns (退回) and
/// reopenings (重办), median times to sign and to resolve; a score and a ranking; and the same for the
/// period before (环比) and a year before (同比). A unit is judged on its own rounds, so an order
/// reassigned from one unit to another counts once for each.
struct Evaluation: Codable, Sendable {
    enum Grouping: String, Codable, Sendable { case unit, town }

    struct Figures: Codable, Sendable, Equatable {
        var rounds: Int
        var onTimeSignRate: Double?
        var onTimeResolveRate: Double?
        var closureRate: Double?
        var satisfactionRate: Double?
        var returns: Int
        var reopenings: Int
        var medianSignSeconds: Double?
        var medianResolveSeconds: Double?
        /// 0-100: the weighted mean of the rates there are (weights below).
        var score: Double?
    }

    struct Line: Codable, Sendable, Equatable {
        var key: String
        var name: String
        var rank: Int
        var current: Figures
        var previous: Figures?
        var yearBefore: Figures?
    }

    /// The score: the rates there are, weighted (on-time resolving counts most), on 0-100.
    static func score(_ figures: Figures) -> Double? {
        let weighted: [(Double?, Double)] = [(figures.onTimeSignRate, 0.25), (figures.onTimeResolveRate, 0.35),
                                             (figures.closureRate, 0.2), (figures.satisfactionRate, 0.2)]
        let present = weighted.compactMap { rate, weight in rate.map { ($0, weight) } }
        let total = present.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return nil }
        return (present.reduce(0) { $0 + $1.0 * $1.1 } / total * 1000).rounded() / 10
    }

    var grouping: Grouping
    var from: Date
    var to: Date
    var previousFrom: Date
    var yearBeforeFrom: Date
    var lines: [Line]

    static func compute(_ period: Period, by grouping: Grouping, configuration: ConsoleConfiguration, db: Database) throws -> Evaluation {
        let calendar = configuration.calendar
        let previous = period.previous(calendar: calendar)
        let yearBefore = period.yearBefore(calendar: calendar)
        let current = try figures(period, by: grouping, db: db)
        let before = try figures(previous, by: grouping, db: db)
        let lastYear = try figures(yearBefore, by: grouping, db: db)
        let ranked = current.sorted { a, b in
            let (sa, sb) = (a.value.score ?? -1, b.value.score ?? -1)
            return sa != sb ? sa > sb : (a.value.rounds != b.value.rounds ? a.value.rounds > b.value.rounds : a.key < b.key)
        }
        let lines = ranked.enumerated().map { index, entry in
            Line(key: entry.key, name: grouping == .unit ? configuration.unitName(entry.key) : entry.key, rank: index + 1,
                 current: entry.value, previous: before[entry.key], yearBefore: lastYear[entry.key])
        }
        return Evaluation(grouping: grouping, from: period.from, to: period.to, previousFrom: previous.from,
                          yearBeforeFrom: yearBefore.from, lines: lines)
    }

    static func figures(_ period: Period, by grouping: Grouping, db: Database) throws -> [String: Figures] {
        let column = grouping == .unit ? "unit_id" : "COALESCE(town, 'unknown')"
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(column) AS key, started_at, sign_by, resolve_by, signed_at, resolved_at, returned, reopened, satisfied
            FROM handling_round WHERE started_at >= ? AND started_at < ?
            """, arguments: [MessageCoding.formatTimestamp(period.from), MessageCoding.formatTimestamp(period.to)])
        var groups: [String: [Row]] = [:]
        for row in rows { groups[row["key"] as String, default: []].append(row) }
        return groups.mapValues(figures)
    }

    static func figures(_ rows: [Row]) -> Figures {
        func date(_ row: Row, _ column: String) -> Date? { (row[column] as String?).flatMap(MessageCoding.parseTimestamp) }
        var toSign: [Double] = []
        var toResolve: [Double] = []
        var signedOnTime = 0
        var resolvedOnTime = 0
        var returns = 0
        var reopenings = 0
        var answered = 0
        var satisfied = 0
        for row in rows {
            let start = date(row, "started_at")!
            if let signed = date(row, "signed_at") {
                toSign.append(signed.timeIntervalSince(start))
                if signed <= date(row, "sign_by")! { signedOnTime += 1 }
            }
            if let resolved = date(row, "resolved_at") {
                toResolve.append(resolved.timeIntervalSince(start))
                if resolved <= date(row, "resolve_by")! { resolvedOnTime += 1 }
            }
            if (row["returned"] as Int) == 1 { returns += 1 }
            if (row["reopened"] as Int) == 1 { reopenings += 1 }
            if let verdict = row["satisfied"] as Int? {
                answered += 1
                if verdict == 1 { satisfied += 1 }
            }
        }
        func rate(_ part: Int, _ whole: Int) -> Double? { whole > 0 ? Double(part) / Double(whole) : nil }
        var figures = Figures(
            rounds: rows.count, onTimeSignRate: rate(signedOnTime, toSign.count), onTimeResolveRate: rate(resolvedOnTime, toResolve.count),
            closureRate: rate(toResolve.count, rows.count - returns), satisfactionRate: rate(satisfied, answered), returns: returns,
            reopenings: reopenings, medianSignSeconds: Durations(toSign).medianSeconds,
            medianResolveSeconds: Durations(toResolve).medianSeconds, score: nil)
        figures.score = score(figures)
        return figures
    }

    /// The evaluation as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese).
    func csv() -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "" }
        func hours(_ seconds: Double?) -> String { seconds.map { String(format: "%.1f", $0 / 3600) } ?? "" }
        func delta(_ now: Double?, _ then: Double?) -> String {
            guard let now, let then else { return "" }
            return String(format: "%+.1f", now - then)
        }
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [[grouping == .unit ? "单位" : "镇街", "排名", "得分", "派单数", "按时签收率", "按时办结率", "办结率", "满意率", "退回",
                      "重办", "签收中位时长(小时)", "办结中位时长(小时)", "得分环比", "得分同比"].joined(separator: ",")]
        for line in self.lines {
            let c = line.current
            lines.append([field(line.name), String(line.rank), c.score.map { String(format: "%.1f", $0) } ?? "", String(c.rounds),
                          percent(c.onTimeSignRate), percent(c.onTimeResolveRate), percent(c.closureRate), percent(c.satisfactionRate),
                          String(c.returns), String(c.reopenings), hours(c.medianSignSeconds), hours(c.medianResolveSeconds),
                          delta(c.score, line.previous?.score), delta(c.score, line.yearBefore?.score)].joined(separator: ","))
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }
}
