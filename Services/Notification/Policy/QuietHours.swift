import Foundation

/// Hours in which citizens get no non-urgent messages (e.g. 22:00–07:00 China time): such a message
/// waits until the end of the quiet period.
struct QuietHours: Sendable, Equatable, Codable {
    /// "HH:mm", local time.
    var from: String
    var to: String
    /// Offset of local time from UTC in hours (8 for China).
    var utcOffsetHours: Int

    /// When a message due at `date` may go out: `date` itself outside quiet hours or when urgent, else
    /// the end of the quiet period.
    func earliestDelivery(at date: Date, urgent: Bool) -> Date {
        guard !urgent, let start = Self.minutes(from), let end = Self.minutes(to), start != end else { return date }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: utcOffsetHours * 3600)!
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let now = parts.hour! * 60 + parts.minute!
        let quiet = start < end ? (now >= start && now < end) : (now >= start || now < end)
        guard quiet else { return date }
        let startOfDay = calendar.startOfDay(for: date)
        var release = startOfDay.addingTimeInterval(TimeInterval(end * 60))
        if release <= date { release = calendar.date(byAdding: .day, value: 1, to: release)! }
        return release
    }

    /// Problems a person must fix, or empty.
    func problems() -> [String] {
        var problems: [String] = []
        if Self.minutes(from) == nil { problems.append("quietHours.from must be HH:mm") }
        if Self.minutes(to) == nil { problems.append("quietHours.to must be HH:mm") }
        if !(-12...14).contains(utcOffsetHours) { problems.append("quietHours.utcOffsetHours must be -12 to 14") }
        return problems
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour),
              (0..<60).contains(minute) else { return nil }
        return hour * 60 + minute
    }
}
