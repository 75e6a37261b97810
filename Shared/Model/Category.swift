/// What an event is about; decides which kind of unit handles it.
public enum Category: String, Codable, Sendable, CaseIterable {
    /// 治安
    case publicOrder = "public_order"
    /// 诈骗
    case fraud
    /// 交通
    case traffic
    /// 城市管理 / 综合执法
    case urbanManagement = "urban_management"
    /// 生态环境
    case environment
    /// 市场监管
    case market
    /// 劳动保障
    case labor
    /// 矛盾纠纷
    case dispute
    /// 住房 / 物业
    case housing
    /// 安全隐患
    case safety
    /// 水电气
    case utilities
    /// 教育
    case education
    /// 卫生健康
    case health
    /// 社会保障 / 民政
    case socialSecurity = "social_security"
    /// 其他
    case other
}
