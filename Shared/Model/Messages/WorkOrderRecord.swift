import Foundation

/// One work order's state as the dispatch instance that owns its partition keeps it: together, its
/// records are everything needed to rebuild the order and its deadlines on another instance
/// (docs/scaling.md). Topic `dispatch.workorders.changelog` (compacted), in the partition of the order
/// (the partition in its number); schema version 1. Three kinds, each the whole state of its key: the
/// order itself (key the work-order id; `order.version` orders them), a timeline entry, an event.
/// Written on every change after the order's `workorders.updates` message, in the same transaction:
/// the change's entry and events first, the order's record last.
public struct WorkOrderRecord: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    /// A deadline timer of the order, as it stands.
    public struct Timer: Codable, Sendable, Equatable {
        /// `sign_warning`, `sign_overdue`, `on_site_warning`, `on_site_overdue`, `resolve_warning`,
        /// `resolve_overdue`, `feedback_timeout`, `review_warning`, `review_overdue`.
        public var kind: String
        public var round: Int
        public var dueAt: Date
        /// The original due time when the timer was deferred after downtime.
        public var deferredFrom: Date?
        public var firedAt: Date?
        public var cancelledAt: Date?

        public init(kind: String, round: Int, dueAt: Date, deferredFrom: Date?, firedAt: Date?, cancelledAt: Date?) {
            self.kind = kind
            self.round = round
            self.dueAt = dueAt
            self.deferredFrom = deferredFrom
            self.firedAt = firedAt
            self.cancelledAt = cancelledAt
        }
    }

    /// One entry of an order's timeline, with the lead unit at its time.
    public struct Entry: Codable, Sendable, Equatable {
        public var workOrderId: String
        public var unitId: String
        public var entry: WorkOrder.TimelineEntry

        public init(workOrderId: String, unitId: String, entry: WorkOrder.TimelineEntry) {
            self.workOrderId = workOrderId
            self.unitId = unitId
            self.entry = entry
        }
    }

    /// An event of an order (its first, or one attached or merged into it).
    public struct Event: Codable, Sendable, Equatable {
        public var workOrderId: String
        public var event: WorkOrder.Event

        public init(workOrderId: String, event: WorkOrder.Event) {
            self.workOrderId = workOrderId
            self.event = event
        }
    }

    public var schemaVersion: Int
    /// The partition of `events.classified` (and `dispatch.commands`) whose owner decides about the order.
    public var partition: Int32
    /// The order itself, without its timeline and events (each of those is a record of its own, so that
    /// a record does not grow with the order's history): status, deadlines, review state, lead and
    /// co-operating units; `overdue` left out (computed when read). Absent in entry and event records.
    public var order: WorkOrder?
    /// The order's place in listings (newest first), the same on every instance.
    public var seq: Int64?
    /// The command centre's day of the number (`yyyyMMdd`) and the number that day in the partition:
    /// restoring them keeps the partition's counter ahead of every number it gave.
    public var day: String?
    public var number: Int?
    /// A police matter from another channel (routed by the police rules).
    public var police: Bool?
    public var timers: [Timer]?
    /// The ids of the last commands applied to the order (so that a command redelivered to a new owner
    /// is answered, not applied twice).
    public var commandIds: [String]?
    /// An entry record: one timeline entry (key `<workOrderId>#t<version>`).
    public var entry: Entry?
    /// An event record: one event and the order it belongs to (key `<workOrderId>#e<eventId>`).
    public var event: Event?
    public var recordedAt: Date

    /// The record of the order itself.
    public init(partition: Int32, seq: Int64, day: String, number: Int, police: Bool, order: WorkOrder,
                timers: [Timer], commandIds: [String]? = nil, recordedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.partition = partition
        self.seq = seq
        self.day = day
        self.number = number
        self.police = police
        self.order = order
        self.timers = timers
        self.commandIds = commandIds
        self.recordedAt = recordedAt
    }

    /// A timeline entry's record.
    public init(partition: Int32, entry: Entry, recordedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.partition = partition
        self.entry = entry
        self.recordedAt = recordedAt
    }

    /// An event's record.
    public init(partition: Int32, event: Event, recordedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.partition = partition
        self.event = event
        self.recordedAt = recordedAt
    }
}

extension WorkOrderRecord: VersionedMessage {}
