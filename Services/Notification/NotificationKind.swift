/// What a notification is about, and so who it is for.
enum NotificationKind: String, Sendable, CaseIterable {
    // The lead handling unit.
    /// A new work order: the instruction sheet (指令单).
    case newWorkOrder = "new_work_order"
    /// The work order was reassigned to this unit (改派).
    case reassigned
    /// The unsigned work order was escalated to this unit, the next tier up (升级).
    case escalated
    /// The citizen's answer in the follow-up (回访).
    case feedback
    /// The citizen was not satisfied, or the centre reopened it (重办).
    case reopened
    /// The centre refused the unit's return: the order is the unit's again (退回驳回).
    case returnRefused = "return_refused"

    // The supervising unit.
    /// Yellow warning: most of a deadline has passed (预警).
    case warning
    /// Red: a deadline has passed (督办 supervision notice).
    case overdue
    /// An order the supervised unit did not sign for went up a tier.
    case escalationNotice = "escalation_notice"
    /// Similar reports piling up in the unit's town (未诉先办).
    case hotspot
    /// A unit returned an order: it waits for the centre's decision (退回待审).
    case returnedNotice = "returned_notice"

    // The citizen.
    /// Receipt with the work-order number (受理回执).
    case citizenReceipt = "citizen_receipt"
    /// A unit signed for it (已签收).
    case citizenSigned = "citizen_signed"
    /// Resolved, with the result (已办结).
    case citizenResolved = "citizen_resolved"
    /// Satisfaction request after resolution (满意度回访).
    case citizenSurvey = "citizen_survey"

    /// Whether a citizen receives it (by SMS, subject to quiet hours).
    var isForCitizen: Bool { rawValue.hasPrefix("citizen_") }
}
