import Foundation

/// One work order as the dispatch instance that owns its partition keeps it: everything needed to
/// rebuild the order and its deadlines on another instance (docs/scaling.md). Topic
/// `dispatch.workorders.changelog` (compacted), key the work-order id, in the partition of the order
/// (the partition in its number); schema version 1. Written after the order's `workorders.updates`
/// message in the same transaction, on every change; `order.version` orders the records of one order.
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

    public var schemaVersion: Int
    /// The partition of `events.classified` (and `dispatch.commands`) whose owner decides about the order.
    public var partition: Int32
    /// The order's place in listings (newest first), the same on every instance.
    public var seq: Int64
    /// The command centre's day of the number (`yyyyMMdd`) and the number that day in the partition:
    /// restoring them keeps the partition's counter ahead of every number it gave.
    public var day: String
    public var number: Int
    /// A police matter from another channel (routed by the police rules).
    public var police: Bool
    /// The order with its whole timeline, events and deadlines (`overdue` left out: it is computed when read).
    public var order: WorkOrder
    /// The lead unit at the time of each timeline entry, in the order of `order.timeline`.
    public var timelineUnitIds: [String]
    public var timers: [Timer]
    /// The ids of the last commands applied to the order (so that a command redelivered to a new owner
    /// is answered, not applied twice).
    public var commandIds: [String]?
    public var recordedAt: Date

    public init(partition: Int32, seq: Int64, day: String, number: Int, police: Bool, order: WorkOrder,
                timelineUnitIds: [String], timers: [Timer], commandIds: [String]? = nil, recordedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.partition = partition
        self.seq = seq
        self.day = day
        self.number = number
        self.police = police
        self.order = order
        self.timelineUnitIds = timelineUnitIds
        self.timers = timers
        self.commandIds = commandIds
        self.recordedAt = recordedAt
    }
}

extension WorkOrderRecord: VersionedMessage {}
