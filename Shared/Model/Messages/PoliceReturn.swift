import Foundation

/// A 110 call that classification judged a police matter, handed back to the 110 system.
/// Topic `police110.returns`, key `eventId`, schema version 1 (docs/messages.md).
public struct PoliceReturn: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var eventId: String
    public var source: Source
    /// The 110 system's own id for the call.
    public var sourceId: String
    public var text: String
    public var category: Category
    public var level: Level
    /// Why it was judged a police matter.
    public var reason: String
    public var returnedAt: Date

    public init(classified: ClassifiedEvent, returnedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = classified.eventId
        self.source = classified.source
        self.sourceId = classified.sourceId
        self.text = classified.text
        self.category = classified.category
        self.level = classified.level
        self.reason = classified.explanation
        self.returnedAt = returnedAt
    }
}
