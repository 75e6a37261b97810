#!/usr/bin/env python3
"""Validate the Minsheng labelled corpus (train.jsonl / test.jsonl) and print counts.

Usage:  python3 check_corpus.py [--no-sim] [corpus_dir]

Checks every line of both files:
  * valid UTF-8 JSON object, exactly the expected keys, correct types;
  * id format (tr-NNNN / te-NNNN), unique within and across files;
  * enumerations (channel, category, level, requestType);
  * text length 5..200 characters, no exact duplicate texts (within or across files);
  * shuangfei rule: police110 -> shuangfei == (not police and level != "critical");
    every other channel -> shuangfei == false;
  * town / village from the demo gazetteer, village belongs to town, village implies town;
  * warning (not error) when the text names a gazetteer place that disagrees with town/village;
  * size / balance minimums from the corpus brief;
  * cross-split near duplicates: character 5-gram Jaccard between each test line and every
    train line; any pair above 0.6 is an error (skip with --no-sim).
Exit status 0 when there are no errors. Python 3 standard library only.
"""
import json
import os
import re
import sys
from collections import Counter

KEYS = ["id", "channel", "text", "category", "level", "police", "shuangfei",
        "requestType", "town", "village"]
CHANNELS = ["hotline12345", "police110", "web", "grid", "walkin"]
CATEGORIES = ["public_order", "fraud", "traffic", "urban_management", "environment",
              "market", "labor", "dispute", "housing", "safety", "utilities",
              "education", "health", "social_security", "other"]
LEVELS = ["critical", "urgent", "normal", "low"]
REQUEST_TYPES = ["consult", "help", "complaint", "report", "suggestion", "praise"]

# Demo gazetteer (made-up demo data): town -> (villages/communities, roads, short names)
GAZETTEER = {
    "当湖街道": (["东湖社区", "西门社区", "三港社区", "南市社区"], ["三港路", "胜利路", "当湖路", "东湖大道"], ["当湖"]),
    "钟埭街道": (["钟埭社区", "沈家弄村", "花园村"], ["钟埭路", "兴平路"], ["钟埭"]),
    "曹桥街道": (["曹桥社区", "马厩村", "百寿村"], ["曹桥路"], ["曹桥"]),
    "新埭镇": (["新埭社区", "鱼圻塘村", "姚浜村"], ["新埭大街"], ["新埭"]),
    "新仓镇": (["新仓社区", "芦湾村", "三叉河村"], ["新仓路"], ["新仓"]),
    "广陈镇": (["广陈社区", "山塘村", "龙萌村"], ["广陈大街"], ["广陈"]),
    "林埭镇": (["林埭社区", "徐家埭村", "杉青港村"], ["林埭路"], ["林埭"]),
    "独山港镇": (["全塘社区", "白沙湾村", "赵家桥村"], ["独山港路"], ["独山港", "全塘"]),
}
VILLAGE_TOWN = {v: t for t, (vs, _, _) in GAZETTEER.items() for v in vs}

MINIMUMS = {
    "train": {"total": 3900, "per_category": 200, "per_level": 300, "critical": 380,
              "police": 550, "police110": 900},
    "test": {"total": 1000, "per_category": 60, "per_level": 100, "critical": 100,
             "police": 150, "police110": 250},
    # The external check set (external/external.jsonl, when present): written apart, only measured on.
    "external": {"total": 250, "per_category": 10, "per_level": 20, "critical": 20,
                 "police": 30, "police110": 50},
}


def places_in(text):
    """Gazetteer towns/villages named in a text (full names, roads, short names)."""
    towns, villages = set(), set()
    s = text
    for v, t in VILLAGE_TOWN.items():
        if v in s:
            towns.add(t); villages.add(v); s = s.replace(v, "#")
    for t, (_, roads, _) in GAZETTEER.items():
        for r in roads:
            if r in s:
                towns.add(t); s = s.replace(r, "#")
    for v, t in VILLAGE_TOWN.items():
        short = v[:-1] if v.endswith("村") else None
        if short and short != "花园" and short in s:
            towns.add(t); villages.add(v); s = s.replace(short, "#")
    for t, (_, _, shorts) in GAZETTEER.items():
        for x in [t] + shorts:
            if x in s:
                towns.add(t); s = s.replace(x, "#")
    return towns, villages


def grams(text, n=5):
    t = re.sub(r"\s", "", text)
    return {t[i:i + n] for i in range(max(1, len(t) - n + 1))}


def load(path, prefix, errors, warnings):
    recs = []
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        errors.append(f"{path}: not UTF-8 ({e})")
        return recs
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for no, line in enumerate(lines, 1):
        where = f"{os.path.basename(path)}:{no}"
        if not line.strip():
            errors.append(f"{where}: empty line"); continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: invalid JSON ({e})"); continue
        if not isinstance(d, dict):
            errors.append(f"{where}: not an object"); continue
        if sorted(d) != sorted(KEYS):
            errors.append(f"{where}: keys {sorted(d)}"); continue
        if not (isinstance(d["id"], str) and re.fullmatch(prefix + r"-\d{4}", d["id"])):
            errors.append(f"{where}: bad id {d['id']!r}")
        if d["channel"] not in CHANNELS:
            errors.append(f"{where}: bad channel {d['channel']!r}")
        if d["category"] not in CATEGORIES:
            errors.append(f"{where}: bad category {d['category']!r}")
        if d["level"] not in LEVELS:
            errors.append(f"{where}: bad level {d['level']!r}")
        if d["requestType"] not in REQUEST_TYPES:
            errors.append(f"{where}: bad requestType {d['requestType']!r}")
        for b in ("police", "shuangfei"):
            if not isinstance(d[b], bool):
                errors.append(f"{where}: {b} not boolean")
        text = d["text"]
        if not isinstance(text, str) or not (5 <= len(text) <= 200):
            errors.append(f"{where}: text length {len(text) if isinstance(text, str) else '?'}")
            continue
        if text != text.strip():
            errors.append(f"{where}: leading/trailing whitespace in text")
        if d["channel"] == "police110":
            want = (not d["police"]) and d["level"] != "critical"
            if d["shuangfei"] != want:
                errors.append(f"{where}: shuangfei should be {want}")
        elif d["shuangfei"]:
            errors.append(f"{where}: shuangfei true on channel {d['channel']}")
        town, village = d["town"], d["village"]
        if town is not None and town not in GAZETTEER:
            errors.append(f"{where}: town {town!r} not in gazetteer")
        if village is not None:
            if village not in VILLAGE_TOWN:
                errors.append(f"{where}: village {village!r} not in gazetteer")
            elif VILLAGE_TOWN[village] != town:
                errors.append(f"{where}: village {village} belongs to {VILLAGE_TOWN[village]}, town is {town}")
        named_towns, named_villages = places_in(text)
        if named_towns and town not in named_towns:
            warnings.append(f"{where}: text names {sorted(named_towns)} but town={town}")
        if named_villages and village not in named_villages and len(named_villages) == 1:
            warnings.append(f"{where}: text names {sorted(named_villages)} but village={village}")
        if not named_towns and town is not None:
            warnings.append(f"{where}: town={town} inferred without a gazetteer name in text")
        recs.append(d)
    return recs


def table(title, counter, order=None):
    keys = order if order else sorted(counter, key=lambda k: -counter[k])
    print(f"  {title}:")
    for k in keys:
        print(f"    {str(k):<18}{counter.get(k, 0):>6}")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    no_sim = "--no-sim" in sys.argv
    base = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    errors, warnings = [], []
    data = {}
    for split, prefix in (("train", "tr"), ("test", "te")):
        data[split] = load(os.path.join(base, f"{split}.jsonl"), prefix, errors, warnings)
    external = os.path.join(base, "external", "external.jsonl")
    if os.path.exists(external):
        data["external"] = load(external, "ex", errors, warnings)

    ids = Counter(d["id"] for s in data.values() for d in s)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    texts = Counter(d["text"] for s in data.values() for d in s)
    errors += [f"duplicate text: {t[:40]}" for t, c in texts.items() if c > 1]

    for split, recs in data.items():
        m = MINIMUMS[split]
        cat = Counter(d["category"] for d in recs)
        lvl = Counter(d["level"] for d in recs)
        ch = Counter(d["channel"] for d in recs)
        rt = Counter(d["requestType"] for d in recs)
        pol = sum(d["police"] for d in recs)
        p110 = [d for d in recs if d["channel"] == "police110"]
        sf = sum(d["shuangfei"] for d in p110)
        with_town = sum(d["town"] is not None for d in recs)
        with_vil = sum(d["village"] is not None for d in recs)
        print(f"\n=== {split}.jsonl: {len(recs)} lines")
        table("category", cat, CATEGORIES)
        table("level", lvl, LEVELS)
        table("channel", ch, CHANNELS)
        table("requestType", rt, REQUEST_TYPES)
        print(f"  police true: {pol}   police false: {len(recs) - pol}")
        print(f"  police110: {len(p110)}  (shuangfei true {sf}, false {len(p110) - sf})")
        print(f"  town set: {with_town} ({100 * with_town / max(1, len(recs)):.0f}%)   village set: {with_vil}")
        table("town", Counter(d["town"] or "(null)" for d in recs))
        cross = Counter((d["category"], d["level"]) for d in recs)
        print("  category x level (critical/urgent/normal/low):")
        for c in CATEGORIES:
            print(f"    {c:<18}" + "".join(f"{cross.get((c, l), 0):>6}" for l in LEVELS))
        if len(recs) < m["total"]:
            errors.append(f"{split}: {len(recs)} lines < {m['total']}")
        for c in CATEGORIES:
            if cat[c] < m["per_category"]:
                errors.append(f"{split}: category {c} has {cat[c]} < {m['per_category']}")
        for l in LEVELS:
            if lvl[l] < m["per_level"]:
                errors.append(f"{split}: level {l} has {lvl[l]} < {m['per_level']}")
        if lvl["critical"] < m["critical"]:
            errors.append(f"{split}: critical {lvl['critical']} < {m['critical']}")
        if pol < m["police"]:
            errors.append(f"{split}: police {pol} < {m['police']}")
        if len(p110) < m["police110"]:
            errors.append(f"{split}: police110 {len(p110)} < {m['police110']}")
        for c in CHANNELS:
            if ch[c] == 0:
                errors.append(f"{split}: channel {c} missing")

    if not no_sim and data["train"]:
        tr = [(d["id"], grams(d["text"])) for d in data["train"]]
        for split in [name for name in ("test", "external") if data.get(name)]:
            worst = []
            for d in data[split]:
                g = grams(d["text"])
                best, bid = 0.0, None
                for tid, h in tr:
                    inter = len(g & h)
                    if inter == 0:
                        continue
                    j = inter / len(g | h)
                    if j > best:
                        best, bid = j, tid
                worst.append((best, d["id"], bid))
                if best > 0.6:
                    errors.append(f"near duplicate: {d['id']} ~ {bid} (5-gram Jaccard {best:.2f})")
            worst.sort(reverse=True)
            print(f"\n=== cross-split similarity (char 5-gram Jaccard, each {split} line vs closest train line)")
            print(f"  max {worst[0][0]:.2f}   mean {sum(w[0] for w in worst) / len(worst):.3f}   "
                  f">0.6: {sum(w[0] > 0.6 for w in worst)}   >0.4: {sum(w[0] > 0.4 for w in worst)}   "
                  f">0.3: {sum(w[0] > 0.3 for w in worst)}")
            for s_, a, b in worst[:5]:
                print(f"    {s_:.2f}  {a} ~ {b}")

    print(f"\nwarnings: {len(warnings)}")
    for w in warnings[:30]:
        print("  WARN", w)
    print(f"errors: {len(errors)}")
    for e in errors[:100]:
        print("  ERROR", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
