import Foundation

/// Personal data as answers and logs may show it (docs/security.md): phones keep their first three and
/// last four digits (138****1234), names their first character (张*). The full values stay in the
/// database and in what is sent to the person or unit concerned.
enum PersonalData {
    static func maskPhone(_ phone: String) -> String {
        let digits = Array(phone)
        guard digits.count > 7 else { return String(repeating: "*", count: max(0, digits.count - 2)) + String(digits.suffix(2)) }
        return String(digits.prefix(3)) + String(repeating: "*", count: digits.count - 7) + String(digits.suffix(4))
    }

    static func maskName(_ name: String) -> String {
        guard let first = name.first else { return name }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    /// `citizen:<phone>` with the phone masked; unit recipients unchanged.
    static func maskRecipient(_ recipient: String) -> String {
        guard recipient.hasPrefix("citizen:") else { return recipient }
        return "citizen:" + maskPhone(String(recipient.dropFirst("citizen:".count)))
    }

    /// `text` with the given names and phones masked, and any other run of 7 or more digits (a phone
    /// written in a complaint) masked as a phone.
    static func mask(_ text: String, names: [String] = [], phones: [String] = []) -> String {
        var result = text
        for phone in phones where !phone.isEmpty { result = result.replacingOccurrences(of: phone, with: maskPhone(phone)) }
        for name in names.sorted(by: { $0.count > $1.count }) where !name.isEmpty {
            result = result.replacingOccurrences(of: name, with: maskName(name))
        }
        return maskDigitRuns(result)
    }

    /// Runs of 7-21 ASCII digits (an optional leading +) masked as phones, unless they are part of an
    /// identifier (a letter right before or after, as in WO20261123-000001).
    static func maskDigitRuns(_ text: String) -> String {
        var output = ""
        var run = ""
        var afterLetter = false
        func flush(beforeLetter: Bool) {
            output += (7...21).contains(run.count) && !afterLetter && !beforeLetter ? maskPhone(run) : run
            run = ""
        }
        for character in text {
            if character.isASCII && (character.isNumber || (character == "+" && run.isEmpty)) {
                run.append(character)
                continue
            }
            let isLetter = character.isASCII && character.isLetter
            if !run.isEmpty { flush(beforeLetter: isLetter) }
            afterLetter = isLetter
            output.append(character)
        }
        flush(beforeLetter: false)
        return output
    }
}
