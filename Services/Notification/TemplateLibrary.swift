import Foundation
import MinshengPlatform
import Mustache

/// The message templates, one per message kind and rendering (`<kind>.<variant>.mustache` in
/// `templates/` of the config directory), in Chinese. Loaded and checked at start-up: a missing or
/// broken template stops the service with the file named.
///
/// Escaping: Mustache escapes `{{value}}` for HTML by default, which would turn a citizen's "<" or "&"
/// into entities in an SMS. Plain-text renderings (`text`, `sms`) are rendered as TEXT (nothing escaped);
/// `markdown` (duty-group robots) as MARKDOWN, which neutralises markdown and links in every value
/// (`MarkdownEscaping`), so citizen text cannot inject a link or formatting into a duty group.
struct TemplateLibrary: Sendable {
    /// The renderings each kind needs: `text` (robots' text, logs), `markdown` (robots' cards), `sms`.
    static let required: [NotificationKind: [String]] = Dictionary(uniqueKeysWithValues: NotificationKind.allCases.map {
        ($0, $0.isForCitizen ? ["sms"] : ["text", "markdown"])
    })

    private let templates: [String: MustacheTemplate]

    init(templates: [String: MustacheTemplate]) { self.templates = templates }

    static func load(directory: String) throws(ConfigurationError) -> TemplateLibrary {
        let folder = "\(directory)/templates"
        var templates: [String: MustacheTemplate] = [:]
        var problems: [String] = []
        for (kind, variants) in required {
            for variant in variants {
                let name = "\(kind.rawValue).\(variant)"
                let path = "\(folder)/\(name).mustache"
                guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    problems.append("\(path) is missing")
                    continue
                }
                do {
                    templates[name] = try MustacheTemplate(string: Self.contentTypePragma(variant) + text)
                } catch {
                    problems.append("\(path): \(error)")
                }
            }
        }
        guard problems.isEmpty else { throw ConfigurationError("templates: " + problems.sorted().joined(separator: "; ")) }
        let library = TemplateLibrary(templates: templates)
        // Every template must say something with a full context.
        for (kind, variants) in required {
            for variant in variants where library.render(kind, variant, MessageContext.sample).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ConfigurationError("\(folder)/\(kind.rawValue).\(variant).mustache renders nothing")
            }
        }
        return library
    }

    /// The content type a rendering's values are escaped for: markdown for robots, plain text otherwise.
    static func contentTypePragma(_ variant: String) -> String {
        MarkdownEscaping.register()
        return variant == "markdown" ? "{{% CONTENT_TYPE: \(MarkdownEscaping.contentTypeName) }}" : "{{% CONTENT_TYPE: TEXT }}"
    }

    func render(_ kind: NotificationKind, _ variant: String, _ context: MessageContext) -> String {
        templates["\(kind.rawValue).\(variant)"]?.render(context.values).trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
}

/// The values a template can use, and which of them are personal data.
struct MessageContext: Sendable {
    /// Reporters' names and phones: masked in what answers and logs show (`PersonalData`).
    var personalNames: [String] = []
    var personalPhones: [String] = []
    var values: [String: String]

    /// `text` as answers may show it: the reporters' names and phones masked.
    func masked(_ text: String) -> String {
        PersonalData.mask(text, names: personalNames, phones: personalPhones)
    }

    static let sample = MessageContext(values: [
        "workOrderId": "WO20261123-000001", "levelName": "紧急", "categoryName": "城市管理", "unitName": "当湖街道民声一键办服务队",
        "place": "当湖街道 三港路", "reporter": "王女士 13800000000", "text": "三港路占道经营", "signBy": "2026-11-23 10:30",
        "resolveBy": "2026-11-26 10:00", "link": "http://example/WO20261123-000001", "town": "当湖街道", "village": "东湖社区",
        "theme": "梅湾街、停车、小票", "reporterCount": "3", "eventCount": "4", "windowHours": "72",
        "sources": "12345、网络、110", "firstReportedAt": "2026-11-23 09:00", "lastReportedAt": "2026-11-23 10:20",
        "previousUnitName": "东湖社区网格", "reason": "不属于本单位职责", "deadlineName": "签收", "deadlineAt": "2026-11-23 10:30",
        "result": "已清理占道摊位并告知经营者", "feedbackVerdict": "不满意", "feedbackComment": "第二天又摆出来了",
        "note": "属于本单位职责，请继续办理", "proposedUnitName": "平湖市综合行政执法局", "reviewBy": "2026-11-23 12:00",
    ])
}
