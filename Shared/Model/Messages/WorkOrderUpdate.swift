import Foundation

/// A change in a work order's life, published by dispatch for notification and outside systems.
/// Topic `workorders.updates`, key `eventId`, schema version 1 (docs/messages.md).
public struct WorkOrderUpdate: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    /// What happened. The skeleton publishes `created`; later changes follow the status names.
    public enum Change: String, Codable, Sendable {
        case created
        case signed
        case onSite = "on_site"
        case resolved
        case closed
        case returned
        case reassigned
        case escalated
        case reopened
    }

    public var schemaVersion: Int
    public var eventId: String
    public var workOrderId: String
    /// 1 for `created`, one more for every later change of the same work order.
    public var sequence: Int
    public var change: Change
    public var status: WorkOrderStatus
    /// The lead handling unit.
    public var unitId: String
    public var unitName: String
    public var category: Category
    public var level: Level
    public var town: String?
    public var village: String?
    public var grid: String?
    public var source: Source
    public var sourceId: String
    public var text: String
    public var address: String?
    public var reporter: Reporter?
    public var occurredAt: Date
    /// Sign-for deadline (签收时限).
    public var signBy: Date
    /// Resolution deadline (办结时限).
    public var resolveBy: Date
    public var at: Date

    public init(
        eventId: String, workOrderId: String, sequence: Int, change: Change, status: WorkOrderStatus,
        unitId: String, unitName: String, category: Category, level: Level, town: String?, village: String?,
        grid: String?, source: Source, sourceId: String, text: String, address: String?, reporter: Reporter?,
        occurredAt: Date, signBy: Date, resolveBy: Date, at: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = eventId
        self.workOrderId = workOrderId
        self.sequence = sequence
        self.change = change
        self.status = status
        self.unitId = unitId
        self.unitName = unitName
        self.category = category
        self.level = level
        self.town = town
        self.village = village
        self.grid = grid
        self.source = source
        self.sourceId = sourceId
        self.text = text
        self.address = address
        self.reporter = reporter
        self.occurredAt = occurredAt
        self.signBy = signBy
        self.resolveBy = resolveBy
        self.at = at
    }
}
