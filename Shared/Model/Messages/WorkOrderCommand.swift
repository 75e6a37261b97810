import Foundation

/// A write to a work order (or a new hotspot task) on its way from the dispatch instance that took the
/// HTTP request to the instance that owns the order's partition (docs/scaling.md). Topic
/// `dispatch.commands`, co-partitioned with `events.classified`: a command about an existing order goes
/// to the partition in the order's number; a hotspot task is keyed by its alert id. Schema version 1.
public struct WorkOrderCommand: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    /// Where the instance that took the request waits for the owner's reply.
    public struct ReplyTo: Codable, Sendable, Equatable {
        public var instanceId: String
        public var requestId: String

        public init(instanceId: String, requestId: String) {
            self.instanceId = instanceId
            self.requestId = requestId
        }
    }

    /// Who asked: the owner checks the unit against its units.json again.
    public struct Issuer: Codable, Sendable, Equatable {
        public var unitId: String
        public var person: ActingPerson?
        /// The trusted caller the request came through (`callers.json`).
        public var via: String?

        public init(unitId: String, person: ActingPerson?, via: String?) {
            self.unitId = unitId
            self.person = person
            self.via = via
        }
    }

    /// The centre's corrections of a held order's verdict; each absent field keeps the value.
    public struct Correction: Codable, Sendable, Equatable {
        public var category: Category?
        public var level: Level?
        public var town: String?
        public var village: String?

        public init(category: Category?, level: Level?, town: String?, village: String?) {
            self.category = category
            self.level = level
            self.town = town
            self.village = village
        }
    }

    /// A hotspot turned into work (未诉先办).
    public struct HotspotTask: Codable, Sendable, Equatable {
        public var alertId: String
        public var source: Source
        public var category: Category
        public var level: Level
        public var town: String
        public var village: String?
        public var text: String
        public var unitId: String
        public var coUnitIds: [String]
        public var resolveBy: Date?
        public var note: String?

        public init(alertId: String, source: Source, category: Category, level: Level, town: String, village: String?,
                    text: String, unitId: String, coUnitIds: [String], resolveBy: Date?, note: String?) {
            self.alertId = alertId
            self.source = source
            self.category = category
            self.level = level
            self.town = town
            self.village = village
            self.text = text
            self.unitId = unitId
            self.coUnitIds = coUnitIds
            self.resolveBy = resolveBy
            self.note = note
        }
    }

    /// Events a held order merged into another order hands to that order's owner (并案 across partitions).
    public struct MergedEvents: Codable, Sendable, Equatable {
        /// The held order they come from.
        public var from: String
        public var events: [WorkOrder.Event]

        public init(from: String, events: [WorkOrder.Event]) {
            self.from = from
            self.events = events
        }
    }

    public var schemaVersion: Int
    /// Unique per request: a command redelivered to a new owner is applied once.
    public var commandId: String
    /// `sign`, `on_site`, `progress`, `resolve`, `return`, `reassign`, `feedback`, `reopen`, `release`,
    /// `answer`, `merge`, `approve_return`, `refuse_return`, `hotspot_task`; `attach_merged` between owners.
    public var action: String
    /// The order acted on (absent for `hotspot_task`).
    public var workOrderId: String?
    public var issuer: Issuer
    public var replyTo: ReplyTo?
    public var note: String?
    public var result: String?
    public var reason: String?
    public var unitId: String?
    public var coUnitIds: [String]?
    public var satisfied: Bool?
    public var comment: String?
    public var answer: String?
    /// `merge`: the order the held one joins.
    public var into: String?
    public var correction: Correction?
    public var task: HotspotTask?
    public var merged: MergedEvents?
    public var issuedAt: Date

    public init(
        commandId: String, action: String, workOrderId: String?, issuer: Issuer, replyTo: ReplyTo?, note: String? = nil,
        result: String? = nil, reason: String? = nil, unitId: String? = nil, coUnitIds: [String]? = nil,
        satisfied: Bool? = nil, comment: String? = nil, answer: String? = nil, into: String? = nil,
        correction: Correction? = nil, task: HotspotTask? = nil, merged: MergedEvents? = nil, issuedAt: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.commandId = commandId
        self.action = action
        self.workOrderId = workOrderId
        self.issuer = issuer
        self.replyTo = replyTo
        self.note = note
        self.result = result
        self.reason = reason
        self.unitId = unitId
        self.coUnitIds = coUnitIds
        self.satisfied = satisfied
        self.comment = comment
        self.answer = answer
        self.into = into
        self.correction = correction
        self.task = task
        self.merged = merged
        self.issuedAt = issuedAt
    }
}

/// The owner's answer to a command, for the instance that waits with the HTTP caller. Topic
/// `dispatch.replies`, keyed by that instance's id; read by every dispatch instance. Schema version 1.
public struct WorkOrderCommandReply: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    /// Why the owner refused.
    public struct Refusal: Codable, Sendable, Equatable {
        /// `not_found`, `forbidden`, `illegal_transition`, `invalid_field`, `conflict`.
        public var error: String
        public var message: String
        public var field: String?

        public init(error: String, message: String, field: String?) {
            self.error = error
            self.message = message
            self.field = field
        }
    }

    public var schemaVersion: Int
    public var instanceId: String
    public var requestId: String
    public var commandId: String
    /// The HTTP status the caller gets: 200 or 201 with `order`, else the refusal's.
    public var status: Int
    public var order: WorkOrder?
    public var refusal: Refusal?
    public var decidedAt: Date

    public init(instanceId: String, requestId: String, commandId: String, status: Int, order: WorkOrder?, refusal: Refusal?,
                decidedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.instanceId = instanceId
        self.requestId = requestId
        self.commandId = commandId
        self.status = status
        self.order = order
        self.refusal = refusal
        self.decidedAt = decidedAt
    }
}

extension WorkOrderCommand: VersionedMessage {}
extension WorkOrderCommandReply: VersionedMessage {}
