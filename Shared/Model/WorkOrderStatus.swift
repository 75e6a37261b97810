/// Where a work order (工单) stands in its life.
public enum WorkOrderStatus: String, Codable, Sendable, CaseIterable {
    /// Sent to the handling unit (已派发).
    case dispatched
    /// The unit accepted it (签收).
    case signed
    /// The unit is on site (到场).
    case onSite = "on_site"
    /// Handled, with a result (办结).
    case resolved
    /// Closed after the citizen's feedback or a timeout (结案).
    case closed
    /// The unit says it is not theirs (退回).
    case returned
    /// To be handled again (重办): the citizen was not satisfied, or the centre reopened it.
    case reopened
    /// Held at the centre for a person to review before anything is dispatched (待审核): the classifier
    /// was unsure, or it is a consultation or praise. Its lead unit is the centre.
    case held
    /// A held report merged into another open work order (已并案): that order handles it.
    case merged
}
