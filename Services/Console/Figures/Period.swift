import Foundation

/// A period of the centre's calendar: today, this month, or any [from, to).
struct Period: Codable, Sendable, Equatable {
    var from: Date
    var to: Date

    /// The centre's day containing `now`.
    static func day(containing now: Date, calendar: Calendar) -> Period {
        let start = calendar.startOfDay(for: now)
        return Period(from: start, to: calendar.date(byAdding: .day, value: 1, to: start)!)
    }

    /// The centre's month containing `now`.
    static func month(containing now: Date, calendar: Calendar) -> Period {
        let start = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        return Period(from: start, to: calendar.date(byAdding: .month, value: 1, to: start)!)
    }

    /// The period just before, of the same calendar length (the previous month for a month): 环比.
    func previous(calendar: Calendar) -> Period {
        let months = calendar.dateComponents([.month], from: from, to: to).month ?? 0
        if months > 0, calendar.date(byAdding: .month, value: months, to: from) == to {
            return Period(from: calendar.date(byAdding: .month, value: -months, to: from)!, to: from)
        }
        return Period(from: from.addingTimeInterval(-to.timeIntervalSince(from)), to: from)
    }

    /// The same period a year earlier: 同比.
    func yearBefore(calendar: Calendar) -> Period {
        Period(from: calendar.date(byAdding: .year, value: -1, to: from)!, to: calendar.date(byAdding: .year, value: -1, to: to)!)
    }
}
