/// What a notification is about, and who it is for.
enum NotificationKind: String, Sendable, CaseIterable {
    // The handling unit.
    /// A new work order: the instruction sheet (指令单).
    case newWorkOrder = "new_work_order"
    /// Hotspot in a town: to the town's supervising unit (未诉先办).
    case hotspot = "hotspot"
    // The citizen.
    /// Receipt with the work-order number (受理回执).
    case citizenReceipt = "citizen_receipt"

    /// Whether a citizen receives it (subject to quiet hours).
    var isForCitizen: Bool { self == .citizenReceipt }
}
