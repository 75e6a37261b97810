#!/usr/bin/env python3
"""Append a hand-written batch (batches/*.txt) to train.jsonl or test.jsonl.

Usage:  python3 add_batch.py train|test|external batches/NN-name.txt [more batch files]

`external` appends to external/external.jsonl (ids ex-NNNN): the external check set, written apart
and only ever measured on (README, "The external check set").

A batch line is   channel|category|level|police|requestType|text[|town=T][|village=V]
with short codes (blank lines and lines starting with # are skipped):
  channel      h hotline12345, p police110, w web, g grid, k walkin
  category     the corpus's category names (public_order, fraud, …)
  level        c critical, u urgent, n normal, l low
  police       1 / 0
  requestType  q consult, h help, c complaint, r report, s suggestion, p praise
town and village are read from the text with the checker's gazetteer rules (check_corpus.places_in);
`town=` / `village=` override them when a text names two places (the town is where it happened) and
`town=-` clears them. shuangfei is derived (police110: not police and not critical).
Lines whose text is already in either split are skipped, so running a batch twice adds nothing.
The new lines are shuffled with a fixed seed and numbered after the last id of the split.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_corpus import CATEGORIES, VILLAGE_TOWN, places_in  # noqa: E402

CHANNELS = {"h": "hotline12345", "p": "police110", "w": "web", "g": "grid", "k": "walkin"}
LEVELS = {"c": "critical", "u": "urgent", "n": "normal", "l": "low"}
SPLITS = {"train": "train.jsonl", "test": "test.jsonl", "external": "external/external.jsonl"}
REQUESTS = {"q": "consult", "h": "help", "c": "complaint", "r": "report", "s": "suggestion", "p": "praise"}


def parse(path):
    records, problems = [], []
    with open(path, encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("|")
            where = f"{path}:{no}"
            if len(parts) < 6:
                problems.append(f"{where}: expected 6 fields"); continue
            ch, cat, lvl, pol, rt, text = (p.strip() for p in parts[:6])
            extra = dict(p.split("=", 1) for p in parts[6:] if "=" in p)
            if ch not in CHANNELS or cat not in CATEGORIES or lvl not in LEVELS or pol not in ("0", "1") or rt not in REQUESTS:
                problems.append(f"{where}: bad code in {parts[:5]}"); continue
            if not 5 <= len(text) <= 200:
                problems.append(f"{where}: text length {len(text)}"); continue
            towns, villages = places_in(text)
            town = extra.get("town", sorted(towns)[0] if len(towns) == 1 else None)
            village = extra.get("village", sorted(villages)[0] if len(villages) == 1 else None)
            if len(towns) > 1 and "town" not in extra:
                problems.append(f"{where}: names {sorted(towns)}: add town="); continue
            if town == "-":
                town, village = None, None
            if village is not None and VILLAGE_TOWN.get(village) != town:
                village = None
            police = pol == "1"
            level = LEVELS[lvl]
            channel = CHANNELS[ch]
            records.append({
                "id": None, "channel": channel, "text": text, "category": cat, "level": level, "police": police,
                "shuangfei": channel == "police110" and not police and level != "critical",
                "requestType": REQUESTS[rt], "town": town, "village": village,
            })
    return records, problems


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in SPLITS:
        print(__doc__); sys.exit(2)
    split = sys.argv[1]
    base = os.path.dirname(os.path.abspath(__file__))
    known = set()
    for name in SPLITS:
        if os.path.exists(os.path.join(base, SPLITS[name])):
            with open(os.path.join(base, SPLITS[name]), encoding="utf-8") as fh:
                known |= {json.loads(line)["text"] for line in fh if line.strip()}
    path = os.path.join(base, SPLITS[split])
    last = 0
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            last = max([int(json.loads(line)["id"].split("-")[1]) for line in fh if line.strip()] or [0])
    new, problems = [], []
    for batch in sys.argv[2:]:
        records, batch_problems = parse(batch)
        problems += batch_problems
        for record in records:
            if record["text"] not in known:
                known.add(record["text"])
                new.append(record)
    if problems:
        print("\n".join(problems)); sys.exit(1)
    random.Random(20261129 + last).shuffle(new)
    prefix = {"train": "tr", "test": "te", "external": "ex"}[split]
    with open(path, "a", encoding="utf-8") as fh:
        for offset, record in enumerate(new, 1):
            record["id"] = f"{prefix}-{last + offset:04d}"
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{split}: added {len(new)} lines ({prefix}-{last + 1:04d} to {prefix}-{last + len(new):04d})")


if __name__ == "__main__":
    main()
