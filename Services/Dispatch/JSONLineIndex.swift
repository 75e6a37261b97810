/// The line on which each value of a JSON document starts, by path (`rules[3]`, `levels.critical.sign`),
/// so that a problem in a config file can name the line a person must fix.
struct JSONLineIndex: Sendable {
    private(set) var lines: [String: Int] = [:]

    /// A syntax error, with the line it was found on.
    struct SyntaxError: Error, Equatable, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    init(_ text: String) throws(SyntaxError) {
        var parser = Parser(bytes: Array(text.utf8))
        try parser.document()
        lines = parser.lines
    }

    /// The line of `path`, or of its nearest ancestor that exists (a missing key: the object that lacks it).
    func line(of path: String) -> Int? {
        var path = path
        while true {
            if let line = lines[path] { return line }
            guard !path.isEmpty else { return nil }
            if path.hasSuffix("]"), let open = path.lastIndex(of: "[") {
                path = String(path[..<open])
            } else if let dot = path.lastIndex(of: ".") {
                path = String(path[..<dot])
            } else {
                path = ""
            }
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var lines: [String: Int] = [:]

        mutating func document() throws(SyntaxError) {
            try value(path: "")
            skipWhitespace()
            if index < bytes.count { throw SyntaxError(line: line, message: "unexpected text after the JSON value") }
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\n"): line += 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
                default: return
                }
                index += 1
            }
        }

        mutating func value(path: String) throws(SyntaxError) {
            skipWhitespace()
            guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of the file") }
            lines[path] = line
            switch bytes[index] {
            case UInt8(ascii: "{"): try object(path: path)
            case UInt8(ascii: "["): try array(path: path)
            case UInt8(ascii: "\""): _ = try string()
            default: try scalar()
            }
        }

        mutating func object(path: String) throws(SyntaxError) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw SyntaxError(line: line, message: "expected a quoted key")
                }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw SyntaxError(line: line, message: "expected ':' after \"\(key)\"")
                }
                index += 1
                try value(path: path.isEmpty ? key : "\(path).\(key)")
                skipWhitespace()
                guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of the file") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return
                } else {
                    throw SyntaxError(line: line, message: "expected ',' or '}'")
                }
            }
        }

        mutating func array(path: String) throws(SyntaxError) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            var element = 0
            while true {
                try value(path: "\(path)[\(element)]")
                element += 1
                skipWhitespace()
                guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of the file") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return
                } else {
                    throw SyntaxError(line: line, message: "expected ',' or ']'")
                }
            }
        }

        /// A string starting at `index` (a quote); returns its text with escapes left as written.
        mutating func string() throws(SyntaxError) -> String {
            let start = index + 1
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    let text = String(decoding: bytes[start..<index], as: UTF8.self)
                    index += 1
                    return text
                case UInt8(ascii: "\n"): throw SyntaxError(line: line, message: "a string runs past the end of the line")
                default: index += 1
                }
            }
            throw SyntaxError(line: line, message: "a string is not closed")
        }

        mutating func scalar() throws(SyntaxError) {
            let start = index
            while index < bytes.count, !" \t\r\n,]}".utf8.contains(bytes[index]) { index += 1 }
            let token = String(decoding: bytes[start..<index], as: UTF8.self)
            let isNumber = !token.isEmpty && Double(token) != nil && token.first != "+" && !token.hasPrefix(".")
            guard ["true", "false", "null"].contains(token) || isNumber else {
                throw SyntaxError(line: line, message: token.isEmpty ? "expected a value" : "unexpected \(token)")
            }
        }
    }
}
