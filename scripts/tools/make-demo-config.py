#!/usr/bin/env python3
"""Writes the shipped demo region (平湖市, made-up villages, grids and units) into deploy/config.

Run once by hand when the demo data changes; the JSON files it writes are committed. Real deployments
replace the files with their own (calendar.json is written by hand: it is not generated here).

The demo API tokens are derived from the unit ids and therefore PUBLIC; units.json stores only their
hashes (apiTokenHash), and the services accept them only in demo mode (MINSHENG_DEMO_MODE=true). A real
units.json carries the hashes of random tokens (scripts/tools/hash-token.py; docs/security.md).
"""
import hashlib, json, os, sys

sys.path.insert(0, os.path.dirname(__file__))
from demo_tokens import demo_token, demo_sender_token, demo_caller_token, demo_hash  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "config")
towns = [
    ("当湖街道", "danghu", ["当湖"], ["东湖社区", "西门社区", "三港社区", "南市社区"], ["三港路", "胜利路", "当湖路", "东湖大道"]),
    ("钟埭街道", "zhongdai", ["钟埭"], ["钟埭社区", "沈家弄村", "花园村"], ["钟埭路", "兴平路"]),
    ("曹桥街道", "caoqiao", ["曹桥"], ["曹桥社区", "马厩村", "百寿村"], ["曹桥路"]),
    ("新埭镇", "xindai", ["新埭"], ["新埭社区", "鱼圻塘村", "姚浜村"], ["新埭大街"]),
    ("新仓镇", "xincang", ["新仓"], ["新仓社区", "芦湾村", "三叉河村"], ["新仓路"]),
    ("广陈镇", "guangchen", ["广陈"], ["广陈社区", "山塘村", "龙萌村"], ["广陈大街"]),
    ("林埭镇", "lindai", ["林埭"], ["林埭社区", "徐家埭村", "杉青港村"], ["林埭路"]),
    ("独山港镇", "dushangang", ["独山港"], ["全塘社区", "白沙湾村", "赵家桥村"], ["独山港路"]),
]
# Pinyin of the villages and communities, for the ids of their grid teams.
village_codes = {
    "东湖社区": "donghu", "西门社区": "ximen", "三港社区": "sangang", "南市社区": "nanshi",
    "钟埭社区": "zhongdai", "沈家弄村": "shenjianong", "花园村": "huayuan",
    "曹桥社区": "caoqiao", "马厩村": "majiu", "百寿村": "baishou",
    "新埭社区": "xindai", "鱼圻塘村": "yuqitang", "姚浜村": "yaobang",
    "新仓社区": "xincang", "芦湾村": "luwan", "三叉河村": "sanchahe",
    "广陈社区": "guangchen", "山塘村": "shantang", "龙萌村": "longmeng",
    "林埭社区": "lindai", "徐家埭村": "xujiadai", "杉青港村": "shanqinggang",
    "全塘社区": "quantang", "白沙湾村": "baishawan", "赵家桥村": "zhaojiaqiao",
}

region = {
    "name": "平湖市 (demo data: villages, grids and roads are made up)",
    "demo": True,
    "towns": [
        {
            "name": name, "aliases": aliases, "roads": roads,
            "villages": [{"name": v, "grids": [f"{v}第{i}网格" for i in (1, 2)]} for v in villages],
        }
        for name, code, aliases, villages, roads in towns
    ],
}
departments = [
    ("city-police", "平湖市公安局"), ("city-urban", "平湖市综合行政执法局"), ("city-market", "平湖市市场监督管理局"),
    ("city-hrss", "平湖市人力资源和社会保障局"), ("city-justice", "平湖市司法局"), ("city-housing", "平湖市住房和城乡建设局"),
    ("city-ecology", "嘉兴市生态环境局平湖分局"), ("city-emergency", "平湖市应急管理局"), ("city-education", "平湖市教育局"),
    ("city-health", "平湖市卫生健康局"), ("city-civil", "平湖市民政局"), ("city-utilities", "平湖市公用事业服务中心"),
    ("city-transport", "平湖市交通运输局"),
]
units = [{"id": "centre", "name": "平湖市社会治理综合指挥服务中心", "tier": "centre", "town": None, "webhook": None, "supervisor": None}]
units += [{"id": i, "name": n, "tier": "city", "town": None, "webhook": None, "supervisor": "centre"} for i, n in departments]
for name, code, aliases, villages, roads in towns:
    units.append({"id": f"{code}-centre", "name": f"{name}社会治理中心", "tier": "town", "town": name, "webhook": None, "supervisor": "centre"})
    units.append({"id": f"{code}-team", "name": f"{name}民声一键办服务队", "tier": "town", "town": name, "webhook": None, "supervisor": f"{code}-centre"})
    for village in villages:
        units.append({"id": f"{code}-{village_codes[village]}-grid", "name": f"{village}网格服务团队", "tier": "village",
                      "town": name, "village": village, "webhook": None, "supervisor": f"{code}-centre"})
for unit in units:
    unit["apiTokenHash"] = demo_hash(demo_token(unit["id"]), unit["id"])
# Level decides the starting tier where the rules say so: an ordinary neighbour quarrel goes to the
# village or community grid team (it mediates); a group wage-arrears case (urgent or critical labour
# matter) to the town's team and the city labour bureau together. Other town-level matters go to the
# town's service team; the rest to the city department.
town_categories = ["urban_management", "dispute", "housing", "utilities", "other"]
rules = [{"category": "*", "town": "*", "police": True, "unit": "city-police"}]
rules.append({"category": "dispute", "levels": ["normal", "low"], "town": "*", "tier": "village"})
for name, code, *_ in towns:
    rules.append({"category": "labor", "levels": ["critical", "urgent"], "town": name, "unit": f"{code}-team", "coUnits": ["city-hrss"]})
for name, code, *_ in towns:
    for category in town_categories:
        rules.append({"category": category, "town": name, "unit": f"{code}-team"})
city = {
    "public_order": "city-police", "fraud": "city-police", "traffic": "city-transport", "urban_management": "city-urban",
    "environment": "city-ecology", "market": "city-market", "labor": "city-hrss", "dispute": "city-justice",
    "housing": "city-housing", "safety": "city-emergency", "utilities": "city-utilities", "education": "city-education",
    "health": "city-health", "social_security": "city-civil",
}
for category, unit in city.items():
    rules.append({"category": category, "town": "*", "unit": unit})
rules.append({"category": "*", "town": "*", "unit": "centre"})
routing = {
    "comment": "The first rule that matches and gives a unit wins. category/town '*' match anything (town '*' also an unknown town); levels (optional) restricts a rule to those levels; police true/false to police matters or to the rest (110 police matters never reach dispatch: they go back to the 110 system). A rule names a unit, or tier 'village': the grid team of the event's village (no team there: the next rule). coUnits co-operate (协办). defaults: per tier, the unit that takes work of that tier when no rule or supervisor gives one (escalation).",
    "rules": rules,
    "defaults": {"town": "centre", "city": "centre"},
}
deadlines = {
    "comment": "Per level, how long a unit has to sign for (签收), be on site (到场, only where given) and resolve (办结): s, m, h, d are clock time, wd working days of calendar.json. categories override single spans per level. warningAt: the share of a deadline after which the yellow warning fires. feedbackPeriod: a resolved order without the citizen's feedback is closed after this. restartGrace: after dispatch was down, overdue notices, escalations and closings that came due meanwhile come this long (at most the downtime) after the restart, since units could not act; warnings come at once.",
    "warningAt": 0.8,
    "feedbackPeriod": "3wd",
    "restartGrace": "10m",
    "levels": {
        "critical": {"sign": "5m", "onSite": "15m", "resolve": "24h"},
        "urgent": {"sign": "30m", "resolve": "3d"},
        "normal": {"sign": "2h", "resolve": "5wd"},
        "low": {"sign": "1wd", "resolve": "3wd"},
    },
    "categories": {
        "labor": {"normal": {"resolve": "10wd"}},
    },
}
# Made-up boundaries: the towns tile a box around Pinghu (4 x 2), each village is a strip of its town
# and each grid half of its village. One polygon feature per grid.
features = []
lon0, lat0, town_w, town_h = 120.95, 30.58, 0.0875, 0.12
for t, (name, code, aliases, villages, roads) in enumerate(towns):
    tx, ty = lon0 + (t % 4) * town_w, lat0 + (t // 4) * town_h
    strip = town_w / len(villages)
    for v, village in enumerate(villages):
        for g in (0, 1):
            x0, x1 = tx + v * strip, tx + (v + 1) * strip
            y0, y1 = ty + g * town_h / 2, ty + (g + 1) * town_h / 2
            ring = [[round(x0, 6), round(y0, 6)], [round(x1, 6), round(y0, 6)], [round(x1, 6), round(y1, 6)],
                    [round(x0, 6), round(y1, 6)], [round(x0, 6), round(y0, 6)]]
            features.append({"type": "Feature",
                             "properties": {"town": name, "village": village, "grid": f"{village}第{g + 1}网格"},
                             "geometry": {"type": "Polygon", "coordinates": [ring]}})
# The systems that may post events over HTTP, each to its own source (docs/security.md).
senders = [("hotline12345", "平湖市12345政务服务热线系统", ["hotline12345"]), ("police110", "平湖市公安局110报警服务台", ["police110"]),
           ("web-monitor", "网情民意监测系统", ["web"]), ("grid-app", "全科网格移动端", ["grid"]),
           ("service-stations", "镇街民声服务站（来访登记）", ["walkin"])]
intake_senders = {"rateLimit": {"perSecond": 20, "burst": 100},
                  "senders": [{"id": i, "name": n, "sources": s, "tokenHash": demo_hash(demo_sender_token(i), "sender:" + i)}
                              for i, n, s in senders]}
# The systems that act for people through dispatch's API (the console), with the hash of each token.
callers = {"comment": "Systems that act for people through dispatch's API (trusted callers): each request names the unit it "
                      "acts for (X-Minsheng-Act-As) and the person (X-Minsheng-Person). Only the hash of each token is stored "
                      "(docs/security.md); the demo token is public and works only in demo mode.",
           "callers": [{"id": "console", "name": "民声指挥台 (minsheng-console)",
                        "apiTokenHash": demo_hash(demo_caller_token("console"), "caller:console")}]}
geojson = {"type": "FeatureCollection", "name": "平湖市 demo grids (made-up boundaries)", "features": features}
os.makedirs(out, exist_ok=True)
for file, data in (("region.json", region), ("units.json", {"units": units}), ("routing.json", routing),
                   ("deadlines.json", deadlines), ("region.geojson", geojson), ("intake-senders.json", intake_senders),
                   ("callers.json", callers)):
    with open(os.path.join(out, file), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
print("wrote", out)
