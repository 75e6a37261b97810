import Foundation

/// A work order (工单 / 指令单): one event dispatched to the unit that must act, with its deadlines.
public struct WorkOrder: Codable, Sendable, Equatable {
    /// One entry in a work order's life: who did what, when.
    public struct TimelineEntry: Codable, Sendable, Equatable {
        public var version: Int
        public var at: Date
        public var actor: String
        public var change: String
        public var note: String?

        public init(version: Int, at: Date, actor: String, change: String, note: String?) {
            self.version = version
            self.at = at
            self.actor = actor
            self.change = change
            self.note = note
        }
    }

    /// `WO20261123-000001`
    public var workOrderId: String
    public var eventId: String
    public var source: Source
    public var sourceId: String
    public var category: Category
    public var level: Level
    public var town: String?
    public var village: String?
    public var grid: String?
    /// The lead handling unit.
    public var unitId: String
    public var status: WorkOrderStatus
    public var text: String
    public var address: String?
    public var reporter: Reporter?
    public var occurredAt: Date
    public var dispatchedAt: Date
    /// Sign-for deadline (签收时限).
    public var signBy: Date
    /// Resolution deadline (办结时限).
    public var resolveBy: Date
    /// 1 when created, one more for every change.
    public var version: Int
    public var timeline: [TimelineEntry]

    public init(
        workOrderId: String, eventId: String, source: Source, sourceId: String, category: Category, level: Level,
        town: String?, village: String?, grid: String?, unitId: String, status: WorkOrderStatus, text: String,
        address: String?, reporter: Reporter?, occurredAt: Date, dispatchedAt: Date, signBy: Date, resolveBy: Date,
        version: Int, timeline: [TimelineEntry]
    ) {
        self.workOrderId = workOrderId
        self.eventId = eventId
        self.source = source
        self.sourceId = sourceId
        self.category = category
        self.level = level
        self.town = town
        self.village = village
        self.grid = grid
        self.unitId = unitId
        self.status = status
        self.text = text
        self.address = address
        self.reporter = reporter
        self.occurredAt = occurredAt
        self.dispatchedAt = dispatchedAt
        self.signBy = signBy
        self.resolveBy = resolveBy
        self.version = version
        self.timeline = timeline
    }
}
