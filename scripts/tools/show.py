#!/usr/bin/env python3
"""Prints what the demo produced in a form a person can read. Usage: show.py workorders|returns|rejected < JSON"""
import json, sys

kind = sys.argv[1]
if kind == "workorders":
    for o in json.load(sys.stdin)["items"]:
        print(f"{o['workOrderId']}  {o['level']:8} {o['category']:17} {o['unitId']:16} {o.get('town') or '-':6} {o['text'][:36]}")
else:
    for line in sys.stdin:
        if not line.strip():
            continue
        m = json.loads(line)
        if kind == "returns":
            print(f"{m['sourceId']}  {m['text'][:40]}  ({m['reason']})")
        else:
            print(f"{m['origin']}  {m['reason']}: {m['message']}")
