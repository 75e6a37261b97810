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
        /// The person who acted for `actor`, when a trusted caller named them.
        public var person: ActingPerson?

        public init(version: Int, at: Date, actor: String, change: String, note: String?, person: ActingPerson? = nil) {
            self.version = version
            self.at = at
            self.actor = actor
            self.change = change
            self.note = note
            self.person = person
        }
    }

    /// An event the work order is for: the one it was created for, then every repeat attached to it (并案).
    public struct Event: Codable, Sendable, Equatable {
        public var eventId: String
        public var source: Source
        public var sourceId: String
        public var text: String
        public var address: String?
        public var reporter: Reporter?
        public var occurredAt: Date
        /// When it joined the work order (for the first event: when the order was created).
        public var attachedAt: Date

        public init(eventId: String, source: Source, sourceId: String, text: String, address: String?,
                    reporter: Reporter?, occurredAt: Date, attachedAt: Date) {
            self.eventId = eventId
            self.source = source
            self.sourceId = sourceId
            self.text = text
            self.address = address
            self.reporter = reporter
            self.occurredAt = occurredAt
            self.attachedAt = attachedAt
        }
    }

    /// The citizen's answer in the follow-up (回访).
    public struct Feedback: Codable, Sendable, Equatable {
        public var satisfied: Bool
        public var comment: String?
        public var at: Date

        public init(satisfied: Bool, comment: String?, at: Date) {
            self.satisfied = satisfied
            self.comment = comment
            self.at = at
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

    // Added with the lifecycle (issue 4); optional so that older readers and writers still agree.
    /// On-site deadline (到场时限), for levels that have one.
    public var onSiteBy: Date?
    /// Co-operating units (协办).
    public var coUnitIds: [String]?
    /// Every event of the work order, the first one first (并案).
    public var events: [Event]?
    /// 1, then one more each time the order goes to a unit again (reassigned, escalated, reopened):
    /// every round has its own deadlines.
    public var round: Int?
    /// When the current round began: the deadlines run from here.
    public var roundStartedAt: Date?
    public var signedAt: Date?
    public var onSiteAt: Date?
    public var resolvedAt: Date?
    public var closedAt: Date?
    /// The result text given when it was resolved (办结情况).
    public var result: String?
    public var feedback: Feedback?
    /// Deadlines of the current round that have passed without being met, when read.
    public var overdue: [WorkOrderUpdate.Deadline]?

    // Added with the console (issue 11).
    /// While held or returned: when the centre must have decided (审核时限).
    public var reviewBy: Date?
    /// A merged report: the work order it joined.
    public var mergedInto: String?
    /// A hotspot task (未诉先办): the hotspot alert it was made from.
    public var hotspotAlertId: String?

    public init(
        workOrderId: String, eventId: String, source: Source, sourceId: String, category: Category, level: Level,
        town: String?, village: String?, grid: String?, unitId: String, status: WorkOrderStatus, text: String,
        address: String?, reporter: Reporter?, occurredAt: Date, dispatchedAt: Date, signBy: Date, resolveBy: Date,
        version: Int, timeline: [TimelineEntry], onSiteBy: Date? = nil, coUnitIds: [String]? = nil,
        events: [Event]? = nil, round: Int? = nil, roundStartedAt: Date? = nil, signedAt: Date? = nil,
        onSiteAt: Date? = nil, resolvedAt: Date? = nil, closedAt: Date? = nil, result: String? = nil,
        feedback: Feedback? = nil, overdue: [WorkOrderUpdate.Deadline]? = nil, reviewBy: Date? = nil,
        mergedInto: String? = nil, hotspotAlertId: String? = nil
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
        self.onSiteBy = onSiteBy
        self.coUnitIds = coUnitIds
        self.events = events
        self.round = round
        self.roundStartedAt = roundStartedAt
        self.signedAt = signedAt
        self.onSiteAt = onSiteAt
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.result = result
        self.feedback = feedback
        self.overdue = overdue
        self.reviewBy = reviewBy
        self.mergedInto = mergedInto
        self.hotspotAlertId = hotspotAlertId
    }
}
