import MinshengModel

/// Problem concepts (问题类型): a small hand-written table mapping the phrases people use for one kind of
/// problem, by the thing or by its effect, to one shared term. Character n-grams do not carry "a burst
/// main" ⇔ "the estate has no water" or "小偷" ⇔ "门锁被撬"; the table does, for the problems a county
/// command centre hears most. A report's signature gets one extra term per concept it names
/// (`SignatureMaker`), weighted by `similarity.conceptWeight` (chosen on the tuning cluster set).
///
/// Concepts are narrow on purpose: "no water" and "dirty water", "night construction" and "square
/// dancing" are different concepts, so two other problems at one place do not meet through the table.
enum ProblemConcepts {
    /// Concept name, then its phrases. Written from how residents, operators and grid workers describe
    /// each problem, not from the labelled cluster sets' texts.
    static let table: [(concept: String, phrases: [String])] = [
        // No water and its usual cause, a burst main: one problem told by its effect or by the thing.
        ("water-supply", ["停水", "断水", "没水", "没有水", "水停了", "不出水", "一滴水", "没自来水", "没法洗", "水压很低", "水压低", "水压小",
                          "爆管", "水管爆", "水管破", "水管裂", "管道破裂", "管道爆", "自来水管", "供水管", "主水管", "冒水", "往外涌", "喷水", "水柱"]),
        ("water-quality", ["水质", "黄水", "发黄", "浑浊", "有杂质", "漂白粉", "消毒水味", "水发白", "水有味"]),
        ("power-cut", ["停电", "断电", "没电", "跳闸", "变压器", "电压不稳", "来电又停", "供电"]),
        ("street-light", ["路灯"]),
        ("traffic-light", ["红绿灯", "信号灯", "红灯", "绿灯", "黄灯"]),
        ("parking-charge", ["停车费", "收停车", "停车收费", "泊位", "车位收费", "收款码", "收费员", "停个车"]),
        // The noise of building work, not the site itself: a site's lorries, mud or unpaid workers are other
        // problems (工地 alone names none), and a neighbour's renovation is its own.
        ("night-construction", ["打桩", "夜间施工", "半夜施工", "晚上施工", "夜里施工", "凌晨施工", "连夜施工", "还在施工", "施工噪音",
                                "施工扰民", "施工声", "挖机", "挖掘机"]),
        ("renovation-noise", ["装修", "电钻", "冲击钻", "电锤", "敲墙", "砸墙", "打墙", "切割"]),
        ("square-dance", ["广场舞", "跳舞", "音响", "喇叭", "放音乐", "外放"]),
        ("venue-noise", ["KTV", "ktv", "酒吧", "唱歌", "歌厅", "蹦迪"]),
        ("fumes", ["油烟", "烧烤", "烤串", "排烟", "烟熏"]),
        ("odour", ["异味", "臭味", "刺鼻", "怪味", "化工味", "恶臭", "臭气", "熏得"]),
        // A river or ditch polluted, not sewage in the street (污水 alone names either): a blocked drain is its own.
        ("water-pollution", ["排污", "废水", "偷排", "直排", "排到河里", "排进河里", "往河里排", "河水发黑", "河水变黑", "河水变色", "水发臭",
                             "死鱼", "鱼死", "排放口", "排水口"]),
        ("drain-blocked", ["下水道", "化粪池", "阴沟", "污水井", "污水外溢", "污水漫", "污水冒", "污水溢", "排水沟堵", "反水"]),
        ("sand-dredging", ["采砂", "挖沙", "挖砂", "抽沙", "抽砂", "吸沙", "淘沙", "河沙", "采沙", "运沙", "沙船", "砂船"]),
        ("collapse", ["塌陷", "塌了", "坍塌", "塌方", "大坑", "下沉", "要塌", "垮了", "冲垮", "裂缝", "开裂", "裂开", "断裂", "裂了"]),
        ("lift", ["电梯", "梯子停", "关在里面", "困在里面"]),
        ("rubbish", ["垃圾", "没人打扫", "没人清理", "没人扫", "堆积", "堆成山", "清运"]),
        ("pests", ["老鼠", "苍蝇", "蟑螂", "蚊子", "蚊虫"]),
        ("dust-mud", ["扬尘", "灰尘", "尘土", "泥浆", "泥巴", "渣土", "撒落", "抛洒", "洒落", "带泥", "泥土", "灰很大"]),
        ("heavy-lorry", ["货车", "大货车", "卡车", "渣土车", "重型车", "超载", "大车", "拉货", "工程车", "泥头车"]),
        ("theft", ["被偷", "偷了", "偷走", "小偷", "盗窃", "被盗", "失窃", "撬", "入室", "贼"]),
        ("impersonation-fraud", ["冒充", "诈骗", "骗子", "骗钱", "转账", "公检法", "验证码", "安全账户", "自称是", "假装是"]),
        ("food-poisoning", ["食物中毒", "拉肚子", "腹泻", "呕吐", "上吐下泻", "吃坏", "肚子疼", "肚子痛", "吃了以后"]),
        ("counterfeit", ["假酒", "假货", "假冒", "仿冒", "冒牌", "以次充好", "山寨"]),
        ("overcharge", ["多收", "多扣", "价格不符", "标价", "乱收费", "宰客", "结账", "收银", "扣了"]),
        ("prepaid-refund", ["退费", "退钱", "预付", "充值", "会员卡", "跑路", "卷款", "不退", "学费", "关门了", "倒闭"]),
        ("wage-arrears", ["欠薪", "拖欠工资", "工资没发", "讨薪", "不发工资", "欠工资", "工钱", "要工资", "讨工资", "血汗钱"]),
        ("blocked-way", ["砌墙", "围墙", "堵死", "堵住", "封死", "不让走", "不让过", "过不去", "通道", "绕路", "围起来", "拦住"]),
        ("unlicensed-clinic", ["黑诊所", "无证行医", "打针", "输液", "挂水", "吊水", "行医"]),
        ("fireworks", ["烟花", "鞭炮", "爆竹", "炮仗", "易燃易爆"]),
        ("street-stall", ["摊贩", "地摊", "摆摊", "占道经营", "流动摊", "摊位", "小摊"]),
        ("dog", ["狗", "犬"]),
        ("open-burning", ["焚烧", "烧秸秆", "烧垃圾", "烧东西", "浓烟", "露天烧"]),
        ("gas-smell", ["燃气", "煤气", "天然气", "液化气", "煤气味"]),
        ("bridge", ["桥"]),
        ("flooding", ["积水", "淹了", "被淹", "水漫", "内涝", "成河"]),
    ]

    /// Identifies the table (signatures store concept indices: a changed table makes them stale).
    static let fingerprint = FNV1a.hash(table.map { $0.concept + ":" + $0.phrases.joined(separator: ",") }.joined(separator: ";"))

    /// Every phrase of the table in one matcher (one pass over a text), and the concept of each.
    private static let matcher = PhraseMatcher(table.flatMap(\.phrases))
    private static let conceptOfPhrase: [Int] = table.enumerated().flatMap { index, entry in entry.phrases.map { _ in index } }

    /// The concepts the text names (indices into `table`), ascending.
    static func concepts(in text: String) -> [UInt8] {
        Set(matcher.matches(in: text).map { conceptOfPhrase[$0] }).sorted().map { UInt8($0) }
    }
}
