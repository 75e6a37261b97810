import Foundation
import MinshengPlatform

/// One of dispatch's JSON config files, decoded, with the line of every value so that each problem
/// names the file, the line and the place: `routing.json line 42, rules[3].unit: …`.
struct ConfigDocument<Value: Decodable>: Sendable where Value: Sendable {
    let file: String
    let directory: String
    let value: Value
    let index: JSONLineIndex

    static func load(file: String, directory: String) throws(ConfigurationError) -> ConfigDocument {
        let location = "\(directory)/\(file)"
        guard let data = FileManager.default.contents(atPath: location) else {
            throw ConfigurationError("\(location): cannot read the file (MINSHENG_CONFIG_DIR=\(directory))")
        }
        let index: JSONLineIndex
        do {
            index = try JSONLineIndex(String(decoding: data, as: UTF8.self))
        } catch {
            throw ConfigurationError("\(location) line \(error.line): not valid JSON: \(error.message)")
        }
        do {
            let value = try JSONDecoder().decode(Value.self, from: data)
            return ConfigDocument(file: file, directory: directory, value: value, index: index)
        } catch let error as DecodingError {
            let (path, message) = Self.describe(error)
            let line = index.line(of: path).map { " line \($0)" } ?? ""
            throw ConfigurationError("\(location)\(line), \(path.isEmpty ? "top level" : path): \(message)")
        } catch {
            throw ConfigurationError("\(location): \(error)")
        }
    }

    /// Throws one error listing every problem, each with its line; returns when there are none.
    func check(_ problems: [ConfigProblem]) throws(ConfigurationError) {
        guard !problems.isEmpty else { return }
        throw ConfigurationError(problems.map(describe).joined(separator: "\n"))
    }

    func describe(_ problem: ConfigProblem) -> String {
        let line = index.line(of: problem.path).map { " line \($0)" } ?? ""
        let place = problem.path.isEmpty ? "" : ", \(problem.path)"
        return "\(directory)/\(file)\(line)\(place): \(problem.message)"
    }

    static func describe(_ error: DecodingError) -> (path: String, message: String) {
        switch error {
        case .keyNotFound(let key, let context):
            return (path(context.codingPath + [key]), "is missing")
        case .typeMismatch(let type, let context):
            return (path(context.codingPath), "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return (path(context.codingPath), "expected \(typeName(type)), found null")
        case .dataCorrupted(let context):
            return (path(context.codingPath), context.debugDescription)
        @unknown default:
            return ("", "\(error)")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String { CodingPathText.of(codingPath) }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        default: "\(type)"
        }
    }
}

/// A problem a person must fix in a config file, at `path` (`rules[3].unit`; empty: the whole file).
struct ConfigProblem: Equatable, Sendable, CustomStringConvertible {
    var path: String
    var message: String

    init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A decoding path as people write it: `rules[3].unit`.
enum CodingPathText {
    static func of(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result
    }
}
