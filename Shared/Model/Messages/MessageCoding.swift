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

    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder().decode(type, from: Data(bytes))
    }

    /// `2026-11-23T01:41:00.123Z` (UTC, milliseconds).
    public static func formatTimestamp(_ date: Date) -> String {
        // Sub-millisecond digits are cut off, except the last microsecond: a date parsed from "….647Z" can lie a
        // hair below 647 ms in binary floating point, and must write "….647Z" again, not "….646Z".
        let millis = Int64((date.timeIntervalSince1970 * 1000 + 0.001).rounded(.down))
        let seconds = Int(millis.quotientAndRemainder(dividingBy: 1000).quotient - (millis < 0 && millis % 1000 != 0 ? 1 : 0))
        let fraction = Int(millis - Int64(seconds) * 1000)
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                           from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(fraction, 3))Z"
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
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = utcCalendar.date(from: components),
              utcCalendar.component(.day, from: date) == day  // rejects 2026-02-30
        else { return nil }
        return date.addingTimeInterval(fraction - TimeInterval(offsetSeconds))
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
