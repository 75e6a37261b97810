/// Hand-written rules that win over the trained models, only where they must: phrases of danger to
/// life or a crime in progress (a missed critical event is the worst error) and explicit police matters.
enum KeywordRules {
    /// Danger to life, or a crime or fire in progress: always critical (a false alarm beats a miss).
    static let critical = [
        "着火", "起火", "失火", "火灾", "冒烟", "浓烟", "火苗", "爆炸", "持刀", "拿刀", "砍人", "杀人", "捅人", "抢劫",
        "绑架", "落水", "溺水", "掉河里", "掉进河", "跳楼", "跳河", "轻生", "自杀", "寻短见", "喝农药", "煤气泄漏",
        "燃气泄漏", "昏迷", "没有呼吸", "没呼吸", "触电", "被困", "倒塌", "塌了", "孩子走失", "小孩不见", "孩子不见",
        "走失", "失踪", "大量出血", "流了很多血", "救命", "有人晕倒", "人晕倒",
    ]

    static let criticalMatcher = PhraseMatcher(critical)
    static let policeMatcher = PhraseMatcher(police)

    /// Police business beyond doubt (the model decides the rest). Phrases that the training split shows
    /// are often not police matters (打架 among children, 诈骗 as a consumer's word for a bad deal, 走失 of
    /// a confused elder found by neighbours) are left to the model.
    static let police = [
        "持刀", "拿刀", "砍人", "杀人", "捅人", "抢劫", "绑架", "盗窃", "被盗", "小偷", "偷走", "被偷", "偷窃",
        "斗殴", "打人", "被骗", "吸毒", "贩毒", "赌博", "卖淫", "肇事逃逸", "逃逸", "醉驾", "酒驾", "家暴", "失踪",
        "猥亵", "敲诈", "勒索", "寻衅滋事",
    ]
}
