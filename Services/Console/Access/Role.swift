/// What a person may do in the console.
enum Role: String, Codable, Sendable, CaseIterable {
    /// 中心坐席: the cockpit, the triage desk (review, returns, hotspots), search, orders, evaluation;
    /// acts as the command centre.
    case staff
    /// 中心领导: everything staff may, and the accounts.
    case supervisor
    /// 单位经办人: the workbench of one unit: its orders and their actions.
    case unit
    /// 只读: the cockpit, search, orders and evaluation, with phone numbers masked; no actions.
    case viewer

    var chineseName: String {
        switch self {
        case .staff: "中心坐席"
        case .supervisor: "中心领导"
        case .unit: "单位经办人"
        case .viewer: "只读"
        }
    }

    /// Acts for the command centre (triage, reassign, feedback, hotspot tasks).
    var actsForCentre: Bool { self == .staff || self == .supervisor }
    /// Sees the whole county (cockpit, search, any order, evaluation).
    var seesAll: Bool { self != .unit }
    /// Sees citizens' phone numbers in full.
    var seesPhones: Bool { self != .viewer }
}
