import Foundation

/// An accepted event with what classification decided about it.
/// Topic `events.classified`, key `eventId`, schema version 1 (docs/messages.md).
public struct ClassifiedEvent: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var eventId: String
    public var source: Source
    public var sourceId: String
    public var text: String
    public var category: Category
    public var level: Level
    /// A police matter: handed back to the 110 system, not dispatched.
    public var police: Bool
    /// A 110 call that is neither police business nor an emergency (双非警情).
    public var shuangfei: Bool
    /// Town or street (镇/街道), when known.
    public var town: String?
    /// Village or community (村/社区), when known.
    public var village: String?
    /// Grid (网格), when known.
    public var grid: String?
    /// How sure the classifier is of `category`, 0…1.
    public var confidence: Double
    /// The rule or features that decided, short.
    public var explanation: String
    /// The earlier, still open event this one repeats (same place, same problem), if any: dispatch
    /// attaches it to that event's work order instead of dispatching it again.
    public var duplicateOf: String?
    /// The classifier was not sure enough: a person should check category and level.
    public var needsReview: Bool?
    public var classifiedAt: Date

    // Carried over from the accepted event so dispatch needs nothing else.
    public var occurredAt: Date
    public var requestType: RequestType?
    public var reporter: Reporter?
    public var address: String?
    public var location: GeoPoint?

    public init(
        accepted: AcceptedEvent, category: Category, level: Level, police: Bool, shuangfei: Bool,
        town: String?, village: String?, grid: String?, confidence: Double, explanation: String,
        duplicateOf: String? = nil, needsReview: Bool? = nil, classifiedAt: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = accepted.eventId
        self.source = accepted.source
        self.sourceId = accepted.sourceId
        self.text = accepted.text
        self.category = category
        self.level = level
        self.police = police
        self.shuangfei = shuangfei
        self.town = town
        self.village = village
        self.grid = grid
        self.confidence = confidence
        self.explanation = explanation
        self.duplicateOf = duplicateOf
        self.needsReview = needsReview
        self.classifiedAt = classifiedAt
        self.occurredAt = accepted.occurredAt
        self.requestType = accepted.requestType
        self.reporter = accepted.reporter
        self.address = accepted.address
        self.location = accepted.location
    }
}
