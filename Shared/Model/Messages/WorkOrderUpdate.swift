import Foundation

/// A change in a work order's life, published by dispatch for notification and outside systems.
/// Topic `workorders.updates`, key `eventId`, schema version 1 (docs/messages.md).
public struct WorkOrderUpdate: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    /// What happened. Changes named like a status lead to that status; the others say in their comment.
    public enum Change: String, Codable, Sendable, CaseIterable {
        case created
        /// 签收
        case signed
        /// 到场
        case onSite = "on_site"
        /// 办结, with `result`.
        case resolved
        /// 结案: after the citizen's feedback (`feedback`) or the feedback period.
        case closed
        /// 退回, with `reason`.
        case returned
        /// 改派: another lead unit (`previousUnitId` had it); status `dispatched`.
        case reassigned
        /// 升级: an unsigned order moved to the next tier up (`previousUnitId` had it); status `dispatched`.
        case escalated
        /// 重办: the citizen was not satisfied (`feedback`) or the centre reopened it (`reason`).
        case reopened
        /// 进展: a progress note (`note`); the status stays.
        case progress
        /// 预警 (yellow): 80% of the `deadline` has passed; the status stays.
        case warning
        /// 超时 (red): the `deadline` has passed; a supervision notice (督办) to `supervisorUnitId`.
        case overdue
        /// 并案: a repeat report (`attachedEvent`) joined the work order; the status stays.
        case attached
        /// 待审核: a new order held at the centre for a person to review before dispatch (status `held`).
        case held
        /// 审核派发: the centre released a held order to its lead unit, maybe correcting category, level
        /// or place; status `dispatched`, round 1 with its deadlines.
        case released
        /// 即时办结: the centre answered a held consultation on the spot, with `result`; status `closed`.
        case answered
        /// 并案: the centre merged a held report into another open order (`mergedInto`); status `merged`.
        case merged
        /// 退回驳回: the centre sent a returned order back to the unit that returned it, with `note`; the
        /// status is what it was before the return, the deadlines stay.
        case returnRefused = "return_refused"
    }

    /// Which deadline a `warning` or `overdue` is about.
    public enum Deadline: String, Codable, Sendable, CaseIterable {
        /// 签收时限 (`signBy`).
        case sign
        /// 到场时限 (`onSiteBy`).
        case onSite = "on_site"
        /// 办结时限 (`resolveBy`).
        case resolve
        /// 审核时限 (`reviewBy`): the centre's decision on a held or returned order.
        case review
    }

    /// The citizen's answer in the follow-up (回访).
    public struct Feedback: Codable, Sendable, Equatable {
        public var satisfied: Bool
        public var comment: String?

        public init(satisfied: Bool, comment: String?) {
            self.satisfied = satisfied
            self.comment = comment
        }
    }

    /// A repeat report attached to the work order.
    public struct AttachedEvent: Codable, Sendable, Equatable {
        public var eventId: String
        public var source: Source
        public var sourceId: String
        public var reporter: Reporter?

        public init(eventId: String, source: Source, sourceId: String, reporter: Reporter?) {
            self.eventId = eventId
            self.source = source
            self.sourceId = sourceId
            self.reporter = reporter
        }
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

    // Added within schema version 1: optional, absent when they do not apply.
    /// Who made the change: a unit id, or `dispatch` for the service itself (rules, deadlines).
    public var actor: String?
    /// A free-text note: the progress note, or what the actor wrote with the change.
    public var note: String?
    /// The result text of `resolved` (办结情况).
    public var result: String?
    /// Why: of `returned`, `reopened`, `escalated`, `reassigned`.
    public var reason: String?
    /// The lead unit before `reassigned` or `escalated`.
    public var previousUnitId: String?
    /// Co-operating units (协办), when there are any.
    public var coUnitIds: [String]?
    /// On `warning` and `overdue`: the lead unit's supervisor, who is told (督办).
    public var supervisorUnitId: String?
    /// On `warning` and `overdue`: which deadline.
    public var deadline: Deadline?
    /// On-site deadline (到场时限), for levels that have one.
    public var onSiteBy: Date?
    /// On `closed` and `reopened` after the follow-up: the citizen's answer.
    public var feedback: Feedback?
    /// On `attached`: the repeat report.
    public var attachedEvent: AttachedEvent?

    // Added within schema version 1 with the console (issue 11): the person behind the actor, and the
    // order's lifecycle times, so a reader can keep a copy of the order from the messages alone.
    /// The person who made the change for `actor`, when a trusted caller named them.
    public var person: ActingPerson?
    /// When the order was created (dispatched, or held for review).
    public var dispatchedAt: Date?
    /// The round of handling (0 while held; 1 from the first dispatch; one more per reassignment,
    /// escalation, reopening or refused return).
    public var round: Int?
    /// When the current round began: its deadlines run from here.
    public var roundStartedAt: Date?
    public var signedAt: Date?
    public var onSiteAt: Date?
    public var resolvedAt: Date?
    public var closedAt: Date?
    /// While `held` or `returned`: when the centre must have decided (审核时限).
    public var reviewBy: Date?
    /// On `returned`: the unit the routing rules would give it to next, for the centre to approve.
    public var proposedUnitId: String?
    /// On `merged`: the work order the report joined.
    public var mergedInto: String?
    /// A hotspot task (未诉先办): the hotspot alert it was made from.
    public var hotspotAlertId: String?

    public init(
        eventId: String, workOrderId: String, sequence: Int, change: Change, status: WorkOrderStatus,
        unitId: String, unitName: String, category: Category, level: Level, town: String?, village: String?,
        grid: String?, source: Source, sourceId: String, text: String, address: String?, reporter: Reporter?,
        occurredAt: Date, signBy: Date, resolveBy: Date, at: Date,
        actor: String? = nil, note: String? = nil, result: String? = nil, reason: String? = nil,
        previousUnitId: String? = nil, coUnitIds: [String]? = nil, supervisorUnitId: String? = nil,
        deadline: Deadline? = nil, onSiteBy: Date? = nil, feedback: Feedback? = nil, attachedEvent: AttachedEvent? = nil,
        person: ActingPerson? = nil, dispatchedAt: Date? = nil, round: Int? = nil, roundStartedAt: Date? = nil,
        signedAt: Date? = nil, onSiteAt: Date? = nil, resolvedAt: Date? = nil, closedAt: Date? = nil,
        reviewBy: Date? = nil, proposedUnitId: String? = nil, mergedInto: String? = nil, hotspotAlertId: String? = nil
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
        self.actor = actor
        self.note = note
        self.result = result
        self.reason = reason
        self.previousUnitId = previousUnitId
        self.coUnitIds = coUnitIds
        self.supervisorUnitId = supervisorUnitId
        self.deadline = deadline
        self.onSiteBy = onSiteBy
        self.feedback = feedback
        self.attachedEvent = attachedEvent
        self.person = person
        self.dispatchedAt = dispatchedAt
        self.round = round
        self.roundStartedAt = roundStartedAt
        self.signedAt = signedAt
        self.onSiteAt = onSiteAt
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.reviewBy = reviewBy
        self.proposedUnitId = proposedUnitId
        self.mergedInto = mergedInto
        self.hotspotAlertId = hotspotAlertId
    }
}
