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

    /// `2026-11-23T01:41:00.123Z`
    public static func formatTimestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// Parses ISO 8601 date-times that carry an offset (`Z`, `+08:00`, `+0800`), with or without fractions.
    public static func parseTimestamp(_ text: String) -> Date? {
        guard text.count >= 20, text.count <= 40 else { return nil }
        for style in timestampStyles {
            if let date = try? style.parse(text) { return date }
        }
        return nil
    }

    private static let timestampStyles: [Date.ISO8601FormatStyle] = [
        Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt),
        Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt),
        Date.ISO8601FormatStyle(timeSeparator: .colon, includingFractionalSeconds: false, timeZoneSeparator: .omitted),
        Date.ISO8601FormatStyle(timeSeparator: .colon, includingFractionalSeconds: true, timeZoneSeparator: .omitted),
    ]
}
