/// What the citizen asks for, as the hotline records it.
public enum RequestType: String, Codable, Sendable, CaseIterable {
    /// 咨询
    case consult
    /// 求助
    case help
    /// 投诉
    case complaint
    /// 举报
    case report
    /// 建议
    case suggestion
    /// 表扬
    case praise
}
