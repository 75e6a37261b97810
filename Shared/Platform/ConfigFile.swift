import Foundation
import MinshengModel

/// Reads the JSON files in `MINSHENG_CONFIG_DIR`, with errors that name the file and the place in it.
public enum ConfigFile {
    public static func load<T: Decodable>(_ type: T.Type, file: String, directory: String) throws(ConfigurationError) -> T {
        let path = "\(directory)/\(file)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(path): cannot read the file (MINSHENG_CONFIG_DIR=\(directory))")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigurationError("\(path): \(place(context.codingPath + [key])) is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ConfigurationError("\(path): \(place(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigurationError("\(path): \(place(context.codingPath)): \(context.debugDescription) \(context.underlyingError.map { "\($0)" } ?? "")")
        } catch {
            throw ConfigurationError("\(path): \(error)")
        }
    }

    /// Loads and checks the region file.
    public static func region(directory: String) throws(ConfigurationError) -> Region {
        let region = try load(Region.self, file: "region.json", directory: directory)
        try check(region.problems(), file: "region.json", directory: directory)
        return region
    }

    /// Loads and checks the units file.
    public static func units(directory: String) throws(ConfigurationError) -> UnitsDirectory {
        let units = try load(UnitsDirectory.self, file: "units.json", directory: directory)
        try check(units.problems(), file: "units.json", directory: directory)
        return units
    }

    public static func check(_ problems: [String], file: String, directory: String) throws(ConfigurationError) {
        guard problems.isEmpty else {
            throw ConfigurationError("\(directory)/\(file): " + problems.joined(separator: "; "))
        }
    }

    private static func place(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
