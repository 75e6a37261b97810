import Foundation

/// How long a unit has for something: clock time (`90s`, `5m`, `2h`, `3d`, fractions allowed) or working
/// days (`5wd`: only time on working days of the calendar counts).
struct DeadlineSpan: Sendable, Equatable, CustomStringConvertible {
    enum Unit: Sendable, Equatable {
        /// Clock time in seconds.
        case seconds
        /// Working days of the calendar, 24 working hours each.
        case workingDays
    }

    var amount: Double
    var unit: Unit

    static func seconds(_ amount: Double) -> DeadlineSpan { DeadlineSpan(amount: amount, unit: .seconds) }
    static func minutes(_ amount: Double) -> DeadlineSpan { .seconds(amount * 60) }
    static func hours(_ amount: Double) -> DeadlineSpan { .seconds(amount * 3600) }
    static func workingDays(_ amount: Double) -> DeadlineSpan { DeadlineSpan(amount: amount, unit: .workingDays) }

    /// Parses `20s`, `5m`, `1.5h`, `3d`, `5wd`; nil for anything else, zero or negative.
    init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        let suffixes: [(String, Double, Unit)] = [("wd", 1, .workingDays), ("s", 1, .seconds), ("m", 60, .seconds),
                                                  ("h", 3600, .seconds), ("d", 86_400, .seconds)]
        for (suffix, scale, unit) in suffixes where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  let value = Double(number), value > 0, value.isFinite
            else { return nil }
            self.init(amount: value * scale, unit: unit)
            return
        }
        return nil
    }

    init(amount: Double, unit: Unit) {
        self.amount = amount
        self.unit = unit
    }

    /// When `fraction` of the span has passed, counting from `start` (1: the deadline itself).
    func end(from start: Date, fraction: Double = 1, calendar: WorkingCalendar) -> Date {
        switch unit {
        case .seconds: start.addingTimeInterval(amount * fraction)
        case .workingDays: calendar.adding(workingSeconds: amount * fraction * 86_400, to: start)
        }
    }

    /// Whether this span is never longer than `other` (only comparable when both use the same unit).
    func isAtMost(_ other: DeadlineSpan) -> Bool? {
        unit == other.unit ? amount <= other.amount : nil
    }

    var description: String {
        switch unit {
        case .workingDays: "\(Self.format(amount))wd"
        case .seconds:
            if amount.truncatingRemainder(dividingBy: 86_400) == 0 { "\(Self.format(amount / 86_400))d" }
            else if amount.truncatingRemainder(dividingBy: 3600) == 0 { "\(Self.format(amount / 3600))h" }
            else if amount.truncatingRemainder(dividingBy: 60) == 0 { "\(Self.format(amount / 60))m" }
            else { "\(Self.format(amount))s" }
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
