#!/usr/bin/env python3
"""Writes N varied inbound events for the benchmark, as the 12345, 110, online-opinion and grid systems
would publish them: one line per event, `<topic>\t<key>\t<json>`, in publishing order.

The mix: hotline 12345 55 %, police desk 110 20 %, online posts 15 %, grid workers 10 %. About 10 % repeat
an earlier matter through another channel (same place, other words), about a third of the 110 calls are
police matters, and 1 % are malformed (broken JSON, a missing field, a bad time). Places come from the
region's own towns, villages and roads. Deterministic for a given seed.

Usage: bench_events.py COUNT REGION_JSON [SEED [ID_TAG]] > events.tsv
Ids are `<source>-<ID_TAG><7 digits>` (ID_TAG `b` by default): each phase of a run tags its own.
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone  # noqa: F401

PROBLEMS = {
    "urban": ["{road}有人占道经营，摊位摆到了机动车道上", "{place}门口的垃圾好几天没人清运，味道很大",
              "{road}人行道上违章搭建了一个铁皮棚", "{place}附近工地晚上施工噪音扰民，十二点还在打桩",
              "{road}上的共享单车乱停乱放，把盲道都堵死了"],
    "traffic": ["{road}路口红绿灯坏了，车辆乱成一团", "{place}门口有人收停车费，不给发票，收款码是个人的",
                "{road}上一辆货车长期占用消防通道", "{road}的斑马线标线已经看不清了，孩子过马路很危险"],
    "market": ["在{place}的超市买到过期的牛奶，商家拒绝退换", "{road}一家药店卖的口罩价格比上周翻了三倍",
               "{place}的健身房突然关门，预付的会员费退不了", "网购的电饭煲收到就坏了，商家不理不睬"],
    "utilities": ["{place}停水一天了，也没有通知什么时候来水", "{road}的路灯一整排都不亮，晚上走路很怕",
                  "{place}燃气表漏气，闻到很重的煤气味", "{place}一楼下水道堵了，污水往外冒"],
    "housing": ["{place}小区电梯又坏了，楼上老人下不了楼", "{place}物业乱收费，停车费一年涨了一倍",
                "{place}楼顶漏水，家里墙面全发霉了，物业不管", "{place}的开发商交房时间拖了半年"],
    "labor": ["在{place}一家厂里干了三个月，老板拖欠工资两万多", "{road}的饭店不签劳动合同，还扣押身份证",
              "{place}的工地包工头跑了，十几个工人的工资没着落"],
    "dispute": ["楼上邻居在{place}装修，天天砸墙，说了也不听", "和邻居因为{place}的宅基地界线吵起来了，想请村里调解",
                "{place}的邻居养狗不拴绳，咬伤了小孩还不承认"],
    "environment": ["{road}边上的小作坊往河里排黑水，河都臭了", "{place}附近的厂晚上偷偷排废气，刺鼻",
                    "{place}有人焚烧垃圾和秸秆，烟很大"],
    "consultation": ["请问{place}办理居住证需要带什么材料", "咨询一下{town}的新生儿医保怎么办理",
                     "想问一下{town}今年的养老保险缴费标准是多少"],
    "safety": ["{place}的老楼外墙瓷砖往下掉，差点砸到人", "{road}的一个窨井盖丢了，晚上很危险",
               "{place}楼道里堆满了杂物，还有电瓶车在充电"],
}
POLICE = ["报警人称在{road}被人抢了手机，嫌疑人往东跑了", "报警人称{place}有人打架，有人受伤流血",
          "报警人称家里被盗，{place}的门锁被撬了", "报警人称接到自称公安的电话让转账，怀疑诈骗",
          "报警人称{road}有人持刀威胁路人"]
SHUANGFEI = ["报警人称{place}楼上邻居装修到晚上十点还在敲", "报警人称{place}停电一个多小时了，家里有老人",
             "报警人称{place}的邻居家狗一直叫，吵得睡不着", "报警人称{road}的下水道冒水淹到路面"]
REPHRASE = ["又来反映：", "再说一遍，", "同一个问题，", "我也要反映，", "附近居民都在说，", ""]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
SOURCES = [("hotline12345", 55), ("police110", 20), ("web", 15), ("grid", 10)]


def main():
    count = int(sys.argv[1])
    region = json.load(open(sys.argv[2], encoding="utf-8"))
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261129)
    tag = sys.argv[4] if len(sys.argv) > 4 else "b"
    places = []
    for town in region["towns"]:
        for village in town["villages"]:
            places.append((town["name"], village["name"], rng.choice(town["roads"]) if town["roads"] else village["name"]))
    # Spread over the hours before now, the last one a minute ago (intake refuses times in the future).
    now = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0)
    start = now - timedelta(seconds=count // 2 + 60)
    weights = [w for _, w in SOURCES]
    matters = []  # (town, village, road, category, phrase) of earlier events, for repeats
    out = sys.stdout
    for index in range(count):
        source = rng.choices([s for s, _ in SOURCES], weights)[0]
        occurred = start + timedelta(seconds=index // 2)
        if matters and rng.random() < 0.10:
            town, village, road, category, phrase = rng.choice(matters[-5000:])
            text = rng.choice(REPHRASE) + phrase.format(place=village, road=road, town=town)
        else:
            town, village, road = rng.choice(places)
            if source == "police110":
                bank = POLICE if rng.random() < 0.35 else SHUANGFEI
                category, phrase = "police", rng.choice(bank)
            else:
                category = rng.choice(list(PROBLEMS))
                phrase = rng.choice(PROBLEMS[category])
            matters.append((town, village, road, category, phrase))
            text = phrase.format(place=village, road=road, town=town)
            if rng.random() < 0.5:
                text += rng.choice(["，希望尽快处理", "，已经好几天了", "，请相关部门管一管", "。", "，谢谢"])
        source_id = f"{source}-{tag}{index:07d}"
        event = {"id": source_id, "occurredAt": occurred.isoformat(timespec="seconds"), "text": text,
                 "address": f"平湖市{town}{village}{road}" if rng.random() < 0.8 else None,
                 "reporter": {"name": rng.choice(SURNAMES) + rng.choice(["先生", "女士", "师傅"]),
                              "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"}}
        if source == "hotline12345":
            event["requestType"] = "consult" if category == "consultation" else rng.choice(["complaint", "help", "report"])
        if source == "web":
            event.pop("reporter")
            event["text"] += rng.choice([" 😡", " #平湖#", " 🙏", ""])
        event = {k: v for k, v in event.items() if v is not None}
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        if rng.random() < 0.01:
            kind = rng.randrange(3)
            if kind == 0:
                line = line[: len(line) // 2]
            elif kind == 1:
                line = line.replace('"text"', '"txet"')
            else:
                line = line.replace(occurred.isoformat(timespec="seconds"), "yesterday")
        out.write(f"intake.{source}\t{source_id}\t{line}\n")


if __name__ == "__main__":
    main()
