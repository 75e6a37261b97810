/// Hand-written rules that win over the trained models, only where they must: phrases of danger to
/// life or a crime in progress (a missed critical event is the worst error) and explicit police matters.
enum KeywordRules {
    /// Danger to life, or a crime or fire in progress: always critical (a false alarm beats a miss).
    /// Only phrases that mean it nearly every time in the training split; words that often do not (冒烟 of
    /// a meter box, 被困 in a lift, 救命 shouted at the television, 走失 of a pet, 火灾隐患, 塌了 of a wall)
    /// are left to the critical model, which reads the rest of the report.
    static let critical = [
        "着火", "起火", "失火", "爆炸", "持刀", "拿刀", "砍人", "捅人", "抢劫", "绑架", "落水", "掉河里", "掉进河",
        "跳楼", "跳河", "轻生", "自杀", "寻短见", "喝农药", "煤气泄漏", "燃气泄漏", "昏迷", "没有呼吸", "没呼吸", "触电",
        "孩子走失", "小孩不见", "孩子不见", "大量出血", "流了很多血", "有人晕倒", "人晕倒",
        // Signs of a person in danger, whatever the tone of the report.
        "叫不醒", "叫不应", "没有意识", "不省人事", "脸色发紫", "嘴唇发紫", "憋紫", "呼吸困难", "喘不上气", "呼吸很弱",
        "口吐白沫", "割腕", "同归于尽", "血流不止", "满脸是血", "满地是血", "一动不动", "压在下面", "卷进", "有人被困",
        "没上来", "下去救",
        // Fraud in progress: the victim is being kept on the line.
        "不让挂电话",
    ]

    static let criticalMatcher = PhraseMatcher(critical)
    /// Words that make a critical phrase hypothetical or mistaken when they come just before it.
    static let hypothetical = PhraseMatcher(["万一", "担心", "怕", "要是", "如果", "以为", "喊", "防止", "预防", "避免", "说是"])

    /// The critical phrase the text states as happening, if any.
    static func criticalPhrase(in text: String) -> String? {
        criticalMatcher.firstMatch(in: text, unlessAfter: hypothetical, window: 3)
    }
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
