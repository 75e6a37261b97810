import Foundation

/// The one JSON encoding every message on every topic uses: ISO 8601 dates, sorted keys.
public enum MessageCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "not an ISO 8601 timestamp with offset: \(text)")
            }
            return date
        }
        return decoder
    }

    // One of each for every message (JSONEncoder and JSONDecoder are Sendable; their settings never change).
    private static let sharedEncoder = encoder()
    private static let sharedDecoder = decoder()

    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try sharedEncoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try sharedDecoder.decode(type, from: Data(bytes))
    }

    /// `2026-11-23T01:41:00.123Z` (UTC, milliseconds). Plain integer arithmetic (no `Calendar`): it runs
    /// for every date of every message.
    public static func formatTimestamp(_ date: Date) -> String {
        // Sub-millisecond digits are cut off, except the last microsecond: a date parsed from "….647Z" can lie a
        // hair below 647 ms in binary floating point, and must write "….647Z" again, not "….646Z".
        let millis = Int64((date.timeIntervalSince1970 * 1000 + 0.001).rounded(.down))
        let (seconds, fraction) = floorDivision(millis, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: Int(days))
        let hour = Int(secondOfDay / 3600), minute = Int(secondOfDay % 3600 / 60), second = Int(secondOfDay % 60)
        guard (0...9999).contains(year) else {
            return "\(year)-\(month)-\(day)T\(hour):\(minute):\(second).\(fraction)Z"  // never seen in a message
        }
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, _ at: Int, _ width: Int) {
            var value = value
            for index in stride(from: at + width - 1, through: at, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        put(year, 0, 4); bytes[4] = 45; put(month, 5, 2); bytes[7] = 45; put(day, 8, 2); bytes[10] = 84
        put(hour, 11, 2); bytes[13] = 58; put(minute, 14, 2); bytes[16] = 58; put(second, 17, 2); bytes[19] = 46
        put(Int(fraction), 20, 3); bytes[23] = 90
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor - (value % divisor < 0 ? 1 : 0)
        return (quotient, value - quotient * divisor)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day since 1970-01-01 (Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Parses an ISO 8601 date-time that carries an offset: `2026-11-23T09:41:00+08:00`, `…Z`, `…+0800`,
    /// with or without fractional seconds. Nil for anything else (no offset, impossible dates).
    public static func parseTimestamp(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 20, chars.count <= 40 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < chars.count, chars[index] >= 48, chars[index] <= 57 else { return nil }
                value = value * 10 + Int(chars[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), chars[4] == 45, let month = number(5..<7), chars[7] == 45,
              let day = number(8..<10), chars[10] == 84 || chars[10] == 116,
              let hour = number(11..<13), chars[13] == 58, let minute = number(14..<16), chars[16] == 58,
              let second = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if chars[index] == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                fraction += Double(chars[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < chars.count else { return nil }
        var offsetSeconds = 0
        switch chars[index] {
        case 90, 122:  // Z
            guard index + 1 == chars.count else { return nil }
        case 43, 45:  // + or -
            let sign = chars[index] == 43 ? 1 : -1
            guard let offsetHours = number(index + 1..<index + 3) else { return nil }
            var offsetMinutes: Int?
            if index + 6 == chars.count, chars[index + 3] == 58 {
                offsetMinutes = number(index + 4..<index + 6)
            } else if index + 5 == chars.count {
                offsetMinutes = number(index + 3..<index + 5)
            }
            guard let offsetMinutes, offsetHours <= 18, offsetMinutes < 60 else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            return nil
        }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),  // rejects 2026-02-30
              hour < 24, minute < 60, second < 61
        else { return nil }
        let seconds = daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        // The same arithmetic as Foundation's calendar: whole seconds since 2001, then the fraction and offset.
        return Date(timeIntervalSinceReferenceDate: TimeInterval(seconds - 978_307_200))
            .addingTimeInterval(fraction - TimeInterval(offsetSeconds))
    }
}
