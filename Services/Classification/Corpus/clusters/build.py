#!/usr/bin/env python3
"""Turn the hand-written cluster sets (tune.txt, tune2.txt, test.txt, external.txt) into JSON lines (*.jsonl).

Usage:  python3 build.py

A line of a .txt file is  cluster|channel|MM-DD HH:MM|phone or -|text[|address=…]  (see tune.txt).
Each JSON line: {"id", "cluster" (null for a distractor), "source", "occurredAt" (ISO 8601, +08:00),
"reporterPhone" (null when unknown), "text", "address" (null when none)}.
Checks: known channel, text length 5..200, every cluster has 3..10 reports, ids unique.
"""
import collections
import json
import os
import sys

CHANNELS = {"h": "hotline12345", "p": "police110", "w": "web", "g": "grid", "k": "walkin"}


def convert(name):
    base = os.path.dirname(os.path.abspath(__file__))
    records, problems = [], []
    with open(os.path.join(base, f"{name}.txt"), encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("|")
            if len(parts) < 5:
                problems.append(f"{name}.txt:{no}: expected 5 fields"); continue
            cluster, channel, when, phone, text = (p.strip() for p in parts[:5])
            extra = dict(p.split("=", 1) for p in parts[5:] if "=" in p)
            if channel not in CHANNELS or not 5 <= len(text) <= 200 or len(when) != 11:
                problems.append(f"{name}.txt:{no}: bad line"); continue
            records.append({
                "id": f"{name}-{len(records) + 1:03d}", "cluster": None if cluster == "-" else cluster,
                "source": CHANNELS[channel], "occurredAt": f"2026-{when[:5]}T{when[6:]}:00+08:00",
                "reporterPhone": None if phone == "-" else phone, "text": text, "address": extra.get("address"),
            })
    sizes = collections.Counter(r["cluster"] for r in records if r["cluster"])
    problems += [f"{name}: cluster {c} has {n} reports (3..10)" for c, n in sizes.items() if not 3 <= n <= 10]
    if problems:
        print("\n".join(problems)); sys.exit(1)
    with open(os.path.join(base, f"{name}.jsonl"), "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{name}: {len(records)} reports, {len(sizes)} clusters, {sum(r['cluster'] is None for r in records)} distractors")


if __name__ == "__main__":
    for name in ("tune", "tune2", "test", "external"):
        if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.txt")):
            convert(name)
