import Foundation

/// How much a consumer takes in one transaction and how long each kind of row is kept. The same in
/// every service; each service applies the record retention to its own tables (see docs/retention.md).
public struct ProcessingSettings: Sendable, Equatable {
    /// `MINSHENG_BATCH_MAX`: messages applied in one SQLite transaction at most.
    public var batchMax = 500
    /// `MINSHENG_RETENTION_PROCESSED`: how long a consumed message's idempotency key is remembered.
    /// Must outlast any redelivery or upstream re-send of the same message.
    public var processedRetention = Duration.seconds(7 * 86_400)
    /// `MINSHENG_RETENTION_SENT`: how long published outbox rows are kept for inspection.
    public var sentRetention = Duration.seconds(3_600)
    /// `MINSHENG_RETENTION_RECORDS`: how long a service keeps its finished records (intake's events
    /// and rejections, notification's deliveries, dispatch's fired timers).
    public var recordRetention = Duration.seconds(90 * 86_400)
    /// `MINSHENG_DB_MAX_MB`: the database may not grow beyond this; nil = as far as the disk allows.
    public var databaseMaximumMegabytes: Int?

    public init() {}

    static let variables: [(name: String, meaning: String)] = [
        ("MINSHENG_BATCH_MAX", "messages applied in one database transaction at most, 1-10000 (default 500)"),
        ("MINSHENG_RETENTION_PROCESSED", "how long idempotency keys of consumed messages are kept, e.g. 7d (default 7d)"),
        ("MINSHENG_RETENTION_SENT", "how long published outbox rows are kept, e.g. 1h (default 1h)"),
        ("MINSHENG_RETENTION_RECORDS", "how long finished records are kept (intake events, notifications, fired timers), e.g. 90d (default 90d)"),
        ("MINSHENG_DB_MAX_MB", "the database may not grow beyond this many MB: writes then wait as on a full disk (default: no limit)"),
    ]

    static func load(_ value: (String) -> String?) throws(ConfigurationError) -> ProcessingSettings {
        var settings = ProcessingSettings()
        if let raw = value("MINSHENG_BATCH_MAX") {
            guard let parsed = Int(raw), (1...10_000).contains(parsed) else {
                throw .variable("MINSHENG_BATCH_MAX", raw, expected: "a number 1-10000")
            }
            settings.batchMax = parsed
        }
        func period(_ name: String, minimum: Int) throws(ConfigurationError) -> Duration? {
            guard let raw = value(name) else { return nil }
            guard let seconds = Self.seconds(raw), seconds >= minimum else {
                throw .variable(name, raw, expected: "a period like 30m, 12h or 7d, at least \(minimum) s")
            }
            return .seconds(seconds)
        }
        if let processed = try period("MINSHENG_RETENTION_PROCESSED", minimum: 3_600) { settings.processedRetention = processed }
        if let sent = try period("MINSHENG_RETENTION_SENT", minimum: 60) { settings.sentRetention = sent }
        if let records = try period("MINSHENG_RETENTION_RECORDS", minimum: 86_400) { settings.recordRetention = records }
        if let raw = value("MINSHENG_DB_MAX_MB") {
            guard let megabytes = Int(raw), (1...10_000_000).contains(megabytes) else {
                throw .variable("MINSHENG_DB_MAX_MB", raw, expected: "a number of megabytes, at least 1")
            }
            settings.databaseMaximumMegabytes = megabytes
        }
        return settings
    }

    /// `90s`, `30m`, `12h`, `7d` in seconds.
    static func seconds(_ text: String) -> Int? {
        guard let unit = text.last, let number = Int(text.dropLast()), number >= 0 else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3_600
        case "d": return number * 86_400
        default: return nil
        }
    }
}
