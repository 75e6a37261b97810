import Foundation
import Mustache

/// Escapes values for the duty-group robots' markdown (DingTalk, WeCom). Their markdown dialects do not
/// reliably honour backslash escapes, so every character that starts formatting, a link, an image or
/// HTML is replaced by its full-width form (natural in Chinese text: ［］（）＊＿＃＞＜！｀｜～),
/// line breaks become spaces (no new heading or quote), and `://` becomes `：//` so that no bare URL is
/// turned into a link. The rendered text stays readable; nothing a citizen wrote can become a link.
struct MarkdownEscaping: MustacheContentType {
    static let contentTypeName = "MINSHENG_MARKDOWN"

    private static let replacements: [Character: String] = [
        "[": "［", "]": "］", "(": "（", ")": "）", "*": "＊", "_": "＿", "#": "＃", ">": "＞", "<": "＜",
        "!": "！", "`": "｀", "|": "｜", "~": "～", "\\": "＼", "\n": " ", "\r": " ", "\r\n": " ",
    ]

    func escapeText(_ text: String) -> String { Self.escape(text) }

    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            if let replacement = replacements[character] { output += replacement } else { output.append(character) }
        }
        return output.replacingOccurrences(of: "://", with: "：//")
    }

    /// Registers the content type with Mustache (once; registering again is harmless).
    static func register() {
        MustacheContentTypes.register(MarkdownEscaping(), named: contentTypeName)
    }
}
