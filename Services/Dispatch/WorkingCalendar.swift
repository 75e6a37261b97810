import Foundation
import MinshengPlatform

/// Which days are working days (工作日) for the command centre: weekends and public holidays are not,
/// adjusted working days (调休上班, a Saturday or Sunday worked to make a holiday longer) are. Loaded from
/// `calendar.json`. Deadlines in working days count only the time that falls on working days.
///
/// Days are the centre's local days (`utcOffsetMinutes`, 480 for China Standard Time). Outside the
/// years the file covers only the weekend rule applies; start-up warns when today is outside them.
struct WorkingCalendar: Sendable, Equatable {
    /// A local day: days since 1970-01-01 in the centre's time zone.
    typealias Day = Int

    var utcOffsetSeconds: Int
    /// 0 = Sunday … 6 = Saturday.
    var weekend: Set<Int>
    var holidays: Set<Day>
    var adjustedWorkingDays: Set<Day>
    var years: ClosedRange<Int>?

    func isWorkingDay(_ day: Day) -> Bool {
        if adjustedWorkingDays.contains(day) { return true }
        if holidays.contains(day) { return false }
        return !weekend.contains(Self.weekday(of: day))
    }

    func isWorkingDay(containing date: Date) -> Bool { isWorkingDay(day(containing: date)) }

    func day(containing date: Date) -> Day {
        Int((localSeconds(date) / 86_400).rounded(.down))
    }

    /// Whether the file says anything about the year of `date`.
    func covers(_ date: Date) -> Bool {
        guard let years else { return false }
        return years.contains(Self.civil(from: day(containing: date)).year)
    }

    /// The instant when `seconds` of working time have passed since `start`: only time on working days
    /// counts, 24 hours each. Friday 10:00 + 1 working day is Monday 10:00; Saturday 10:00 + 1 working
    /// day is Tuesday 00:00 (all of Monday).
    func adding(workingSeconds seconds: Double, to start: Date) -> Date {
        var remaining = seconds
        var local = localSeconds(start)
        guard remaining > 0 else { return start }
        // Ten years without a working day would be a broken file; `problems` refuses that, so this ends.
        for _ in 0..<3_660 {
            let day = Int((local / 86_400).rounded(.down))
            let dayEnd = Double(day + 1) * 86_400
            if isWorkingDay(day) {
                let available = dayEnd - local
                if remaining <= available { return date(fromLocal: local + remaining) }
                remaining -= available
            }
            local = dayEnd
        }
        return date(fromLocal: local + remaining)
    }

    /// Working time between two instants, in seconds (0 when `end` is not after `start`).
    func workingSeconds(from start: Date, to end: Date) -> Double {
        var local = localSeconds(start)
        let stop = localSeconds(end)
        var total = 0.0
        while local < stop {
            let day = Int((local / 86_400).rounded(.down))
            let next = min(Double(day + 1) * 86_400, stop)
            if isWorkingDay(day) { total += next - local }
            local = next
        }
        return total
    }

    private func localSeconds(_ date: Date) -> Double { date.timeIntervalSince1970 + Double(utcOffsetSeconds) }
    private func date(fromLocal seconds: Double) -> Date { Date(timeIntervalSince1970: seconds - Double(utcOffsetSeconds)) }

    static func weekday(of day: Day) -> Int {
        // 1970-01-01 was a Thursday (4).
        ((day % 7) + 7 + 4) % 7
    }

    /// The day of a `yyyy-MM-dd` date, nil when it is not a real date.
    static func day(from text: String) -> Day? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let result = days(year: year, month: month, day: day)
        guard civil(from: result) == (year, month, day) else { return nil }  // 2026-02-30
        return result
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Day {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(from days: Day) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension WorkingCalendar {
    /// `calendar.json` as written.
    struct File: Decodable, Sendable {
        struct Holiday: Decodable, Sendable {
            var name: String
            var from: String
            /// The last day off; the same as `from` when absent.
            var to: String?
        }

        struct WorkingDay: Decodable, Sendable {
            var date: String
            var name: String?
        }

        /// The centre's offset from UTC in minutes (480 for China Standard Time).
        var utcOffsetMinutes: Int
        var weekend: [String]
        /// The years the holiday lists are complete for, e.g. `[2026, 2027]`.
        var years: [Int]
        var holidays: [Holiday]
        var workingDays: [WorkingDay]
    }

    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// The calendar a file describes; what is wrong with it goes to `problems`, each naming its place.
    static func build(_ file: File, problems: inout [ConfigProblem]) -> WorkingCalendar {
        if !(-14 * 60...14 * 60).contains(file.utcOffsetMinutes) {
            problems.append(.init("utcOffsetMinutes", "must be between -840 and 840"))
        }
        var weekend = Set<Int>()
        for (index, name) in file.weekend.enumerated() {
            if let weekday = weekdayNames.firstIndex(of: name.lowercased()) {
                weekend.insert(weekday)
            } else {
                problems.append(.init("weekend[\(index)]", "\(name) is not a day of the week (sunday … saturday)"))
            }
        }
        if weekend.count == 7 { problems.append(.init("weekend", "every day is a weekend day: nothing would ever be due")) }
        let years = Set(file.years)
        if file.years.isEmpty { problems.append(.init("years", "list the years the holidays are given for")) }
        var holidays = Set<Int>()
        for (index, holiday) in file.holidays.enumerated() {
            guard let from = day(from: holiday.from) else {
                problems.append(.init("holidays[\(index)].from", "\(holiday.from) is not a date yyyy-MM-dd"))
                continue
            }
            guard let to = holiday.to.map({ day(from: $0) }) ?? from else {
                problems.append(.init("holidays[\(index)].to", "\(holiday.to ?? "") is not a date yyyy-MM-dd"))
                continue
            }
            if to < from { problems.append(.init("holidays[\(index)].to", "\(holiday.to ?? "") is before from")) }
            if to - from > 30 { problems.append(.init("holidays[\(index)].to", "a holiday longer than 31 days is a typo")) }
            if !years.contains(civil(from: from).year) {
                problems.append(.init("holidays[\(index)].from", "\(holiday.from) is outside the years \(file.years.map(String.init).joined(separator: ", "))"))
            }
            if from <= to { holidays.formUnion(from...to) }
        }
        var working = Set<Int>()
        for (index, workingDay) in file.workingDays.enumerated() {
            guard let day = day(from: workingDay.date) else {
                problems.append(.init("workingDays[\(index)].date", "\(workingDay.date) is not a date yyyy-MM-dd"))
                continue
            }
            if holidays.contains(day) {
                problems.append(.init("workingDays[\(index)].date", "\(workingDay.date) is also listed as a holiday"))
            }
            if !weekend.contains(weekday(of: day)) {
                problems.append(.init("workingDays[\(index)].date",
                                      "\(workingDay.date) is not a weekend day: only weekend days can be adjusted working days"))
            }
            working.insert(day)
        }
        return WorkingCalendar(
            utcOffsetSeconds: file.utcOffsetMinutes * 60, weekend: weekend, holidays: holidays,
            adjustedWorkingDays: working, years: years.min().map { $0...years.max()! })
    }

    static func load(directory: String) throws(ConfigurationError) -> WorkingCalendar {
        let document = try ConfigDocument<File>.load(file: "calendar.json", directory: directory)
        var problems: [ConfigProblem] = []
        let calendar = build(document.value, problems: &problems)
        try document.check(problems)
        return calendar
    }

    /// Monday to Friday, no holidays, China Standard Time: for tests and examples.
    static let weekdaysOnly = WorkingCalendar(
        utcOffsetSeconds: 8 * 3600, weekend: [0, 6], holidays: [], adjustedWorkingDays: [], years: nil)
}
