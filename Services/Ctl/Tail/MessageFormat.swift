import MinshengKafka

/// How `minsheng-ctl tail` prints a message, in kcat's tokens: `%t` topic, `%p` partition, `%o` offset,
/// `%T` timestamp (ms since 1970; -1 when the message has none), `%k` key, `%s` value, `%%` a percent
/// sign; `\t`, `\n` and `\\` escapes. Each message's text ends with a newline unless the format does.
struct MessageFormat: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case topic, partition, offset, timestamp, key, value
    }

    let parts: [Part]

    static let standard = try! MessageFormat("%t/%p/%o\\t%T\\t%k\\t%s")

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    init(_ text: String) throws {
        var parts: [Part] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
        }
        var characters = text.makeIterator()
        while let character = characters.next() {
            switch character {
            case "%":
                guard let token = characters.next() else { throw Invalid(description: "the format ends with a lone %") }
                let part: Part
                switch token {
                case "t": part = .topic
                case "p": part = .partition
                case "o": part = .offset
                case "T": part = .timestamp
                case "k": part = .key
                case "s": part = .value
                case "%": literal.append(UInt8(ascii: "%")); continue
                default: throw Invalid(description: "unknown token %\(token) (known: %t %p %o %T %k %s %%)")
                }
                flush()
                parts.append(part)
            case "\\":
                guard let escaped = characters.next() else { throw Invalid(description: "the format ends with a lone \\") }
                switch escaped {
                case "t": literal.append(UInt8(ascii: "\t"))
                case "n": literal.append(UInt8(ascii: "\n"))
                case "\\": literal.append(UInt8(ascii: "\\"))
                default: throw Invalid(description: "unknown escape \\\(escaped) (known: \\t \\n \\\\)")
                }
            default:
                literal.append(contentsOf: Array(String(character).utf8))
            }
        }
        flush()
        if case .literal(let last)? = parts.last, last.last == UInt8(ascii: "\n") {
        } else {
            parts.append(.literal([UInt8(ascii: "\n")]))
        }
        self.parts = parts
    }

    /// `message` printed, appended to `output`.
    func write(_ message: KafkaMessage, to output: inout [UInt8]) {
        for part in parts {
            switch part {
            case .literal(let bytes): output.append(contentsOf: bytes)
            case .topic: output.append(contentsOf: Array(message.topic.utf8))
            case .partition: output.append(contentsOf: Array(String(message.partition).utf8))
            case .offset: output.append(contentsOf: Array(String(message.offset).utf8))
            case .timestamp: output.append(contentsOf: Array(String(message.timestamp ?? -1).utf8))
            case .key: output.append(contentsOf: message.key ?? [])
            case .value: output.append(contentsOf: message.value)
            }
        }
    }
}
