import Foundation
import MinshengModel
import MinshengPlatform

/// How notifications reach people: per-unit secrets and robots, the SMS gateway, quiet hours, limits.
/// From `channels.json` in the config directory (keep it secret: it holds the signing secrets).
struct ChannelSettings: Codable, Sendable {
    struct Robot: Codable, Sendable, Equatable {
        enum Kind: String, Codable, Sendable {
            /// DingTalk / 浙政钉 group robot: signed with timestamp and HMAC-SHA256 in the query string.
            case dingtalk
            /// WeCom (企业微信) group robot: the key in its URL is the credential.
            case wecom
        }
        var kind: Kind
        var url: String
        /// DingTalk's "加签" secret (SEC…); none for WeCom.
        var secret: String?
    }

    struct UnitChannels: Codable, Sendable {
        /// Signs the unit's webhook requests (X-Minsheng-Signature).
        var webhookSecret: String?
        /// The unit's duty group robot.
        var robot: Robot?
    }

    struct Sms: Codable, Sendable {
        /// The gateway's HTTP endpoint; nil: citizen messages are logged and marked undeliverable.
        var url: String?
        /// Mustache template of the JSON body; `{{{phone}}}`, `{{{text}}}`, `{{{segments}}}` and
        /// `{{{notificationId}}}` (the idempotency key, for gateways that take a client serial number) are
        /// filled in (already JSON-escaped, so use triple braces).
        var bodyTemplate: String
        var headers: [String: String]
        /// Signature appended to every text, e.g. 【平湖民声】.
        var signature: String
        /// At most so many SMS to one phone per day (China time); absent: 10.
        var dailyLimitPerPhone: Int?
    }

    struct RateLimit: Codable, Sendable {
        var perRecipient: Int
        var windowSeconds: Double
    }

    struct Retry: Codable, Sendable {
        var maximumAttempts: Int
        var baseDelaySeconds: Double
        var maximumDelaySeconds: Double
    }

    /// A work order's page for handlers, with the id appended (robot action cards link to it).
    var workOrderLinkBase: String
    var quietHours: QuietHours
    var rateLimit: RateLimit
    var retry: Retry
    var sms: Sms
    var units: [String: UnitChannels]

    static let fileName = "channels.json"

    var retryPolicy: RetryPolicy {
        RetryPolicy(maximumAttempts: retry.maximumAttempts, baseDelay: .milliseconds(Int(retry.baseDelaySeconds * 1000)),
                    maximumDelay: .milliseconds(Int(retry.maximumDelaySeconds * 1000)))
    }

    /// The daily SMS limit per phone in force.
    var smsDailyLimit: SmsDailyLimit {
        SmsDailyLimit(perPhonePerDay: sms.dailyLimitPerPhone ?? 10, utcOffsetHours: quietHours.utcOffsetHours)
    }

    /// What is wrong, each naming its place. Outside demo mode every URL must be https and every unit
    /// with a webhook must have a signing secret (docs/security.md).
    func problems(units directory: UnitsDirectory, demoMode: Bool) -> [String] {
        var problems = quietHours.problems()
        let unitIds = Set(directory.units.map(\.id))
        func acceptable(_ url: String) -> Bool { url.hasPrefix("https://") || (demoMode && url.hasPrefix("http://")) }
        let scheme = demoMode ? "an http(s)" : "an https"
        for unit in directory.units {
            guard let webhook = unit.webhook else { continue }
            if !acceptable(webhook) { problems.append("units.json: the webhook of \(unit.id) must be \(scheme) URL") }
            if !demoMode && (units[unit.id]?.webhookSecret ?? "").count < 16 {
                problems.append("units.\(unit.id).webhookSecret of at least 16 characters is required: \(unit.id) has a webhook")
            }
        }
        for (id, channels) in units.sorted(by: { $0.key < $1.key }) {
            if !unitIds.contains(id) { problems.append("units.\(id) is not a unit in units.json") }
            if let robot = channels.robot {
                if !acceptable(robot.url) {
                    problems.append("units.\(id).robot.url must be \(scheme) URL")
                }
                if robot.kind == .dingtalk && (robot.secret ?? "").isEmpty {
                    problems.append("units.\(id).robot.secret is required for a dingtalk robot")
                }
            }
        }
        if let url = sms.url, !acceptable(url) {
            problems.append("sms.url must be \(scheme) URL")
        }
        if let limit = sms.dailyLimitPerPhone, limit < 1 { problems.append("sms.dailyLimitPerPhone must be at least 1") }
        if rateLimit.perRecipient < 1 || rateLimit.windowSeconds <= 0 { problems.append("rateLimit must be positive") }
        if retry.maximumAttempts < 1 || retry.baseDelaySeconds <= 0 || retry.maximumDelaySeconds < retry.baseDelaySeconds {
            problems.append("retry: maximumAttempts >= 1, 0 < baseDelaySeconds <= maximumDelaySeconds")
        }
        return problems
    }

    static func load(directory: String, units: UnitsDirectory, demoMode: Bool) throws(ConfigurationError) -> ChannelSettings {
        let settings = try ConfigFile.load(ChannelSettings.self, file: fileName, directory: directory)
        try ConfigFile.check(settings.problems(units: units, demoMode: demoMode), file: fileName, directory: directory)
        return settings
    }
}
