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
        // Third round (issue 12): unconsciousness, stabbing, fire seen, a jump, poison, burial. Each is
        // met only in critical texts of the training split.
        "一直没醒", "晕过去", "昏过去", "刺伤", "砍伤", "火光", "跳下去", "喝了农药", "被埋",
    ]

    /// Phrases that say the danger is over or was never there (没人受伤, 意识清楚, 虚惊一场, 已经找到):
    /// when one occurs, the critical model alone does not make a report critical (a rule still does). The
    /// training split holds none of them in a critical text.
    static let defused = PhraseMatcher([
        "没有人受伤", "没人受伤", "无人受伤", "人没事", "没大碍", "无大碍", "意识清楚", "人是清醒", "人还清醒",
        "虚惊一场", "已经找到", "不用出警", "按错了", "已扑灭", "已经灭了",
        // Injuries that are minor or none, and a culprit who has gone: the definition of critical is a
        // danger to life or a crime in progress.
        "擦伤", "擦破", "皮外伤", "轻伤", "没有生命危险", "无生命危险", "无人员伤亡", "没有人员伤亡", "未造成人员伤亡",
        "已经走了", "已离开", "已经离开",
        // Fourth round: the person is already in care, unhurt or out of danger, or the loss is a past theft.
        // Each occurs in no critical training text.
        "已经送", "已送医", "送医院了", "没受伤", "没有受伤", "没有危险", "暂时安全", "安全了", "没什么事", "没事了",
        "不严重", "被偷",
    ])

    /// Whether the text says the danger is over or was never there.
    static func isDefused(_ text: String) -> Bool { defused.firstMatch(in: text) != nil }

    static let criticalMatcher = PhraseMatcher(critical)
    /// Words that make a critical phrase hypothetical or mistaken when they come just before it; words of
    /// the past too (上周有人被困): critical means happening now.
    static let hypothetical = PhraseMatcher(["万一", "担心", "怕", "要是", "如果", "以为", "喊", "防止", "预防", "避免", "说是",
                                             "上周", "上个月", "去年", "前几天"])

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
