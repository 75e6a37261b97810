/// How many SMS a text takes. Chinese text goes as UCS-2: 70 characters fit one message, and a longer
/// text is split into parts of 67 (the rest carries the concatenation header). Plain ASCII goes as GSM
/// 7-bit: 160, or parts of 153. Providers bill per part.
enum SmsSegments {
    static func count(_ text: String) -> Int {
        let isGSM = text.unicodeScalars.allSatisfy { $0.isASCII }
        let length = isGSM ? text.unicodeScalars.count : text.utf16.count
        let (single, part) = isGSM ? (160, 153) : (70, 67)
        if length == 0 { return 0 }
        return length <= single ? 1 : (length + part - 1) / part
    }
}
