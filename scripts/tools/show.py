#!/usr/bin/env python3
"""Prints what the demo produced in a form a person can read.
Usage: show.py workorders|returns|rejected|accounts < JSON"""
import json, sys

kind = sys.argv[1]
if kind == "accounts":
    roles = {"staff": "中心坐席: screen, triage desk", "supervisor": "中心领导: also accounts", "unit": "单位经办人: workbench of",
             "viewer": "只读: screen, search"}
    for a in json.load(sys.stdin)["accounts"]:
        print(f"    {a['accountId']:10} {a['password']:20} {a['name']}  {roles[a['role']]} {a.get('unitId') or ''}".rstrip())
elif kind == "workorders":
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
