#!/usr/bin/env python3
"""Copies deploy/config to a demo directory with every unit's webhook, one town team's duty robot and
the SMS gateway pointed at the local demo receiver (scripts/tools/webhook-receiver.py)."""
import json, os, shutil, sys

source, target, base_url = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.copytree(source, target, dirs_exist_ok=True)

def rewrite(name, change):
    path = os.path.join(target, name)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    change(data)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)

def units(data):
    for unit in data["units"]:
        unit["webhook"] = f"{base_url}/units/{unit['id']}"

def channels(data):
    data["sms"]["url"] = f"{base_url}/sms"
    for unit in ("danghu-team", "zhongdai-team"):
        data["units"][unit] = {
            "webhookSecret": "demo-secret",
            "robot": {"kind": "dingtalk", "url": f"{base_url}/robot/{unit}?access_token=demo", "secret": "SECdemo"},
        }

rewrite("units.json", units)
rewrite("channels.json", channels)
