extension Category {
    /// The name handlers and citizens read.
    public var chineseName: String {
        switch self {
        case .publicOrder: "社会治安"
        case .fraud: "诈骗"
        case .traffic: "道路交通"
        case .urbanManagement: "城市管理"
        case .environment: "生态环境"
        case .market: "市场监管"
        case .labor: "劳动保障"
        case .dispute: "矛盾纠纷"
        case .housing: "住房物业"
        case .safety: "安全隐患"
        case .utilities: "水电气公用"
        case .education: "教育"
        case .health: "卫生健康"
        case .socialSecurity: "社会保障"
        case .other: "其他"
        }
    }
}

extension Level {
    /// The name handlers read (事件办理等级).
    public var chineseName: String {
        switch self {
        case .critical: "特急"
        case .urgent: "紧急"
        case .normal: "一般"
        case .low: "低"
        }
    }
}
