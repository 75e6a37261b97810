#!/usr/bin/env python3
"""Copies deploy/config to a demo directory with every unit's webhook pointed at a local receiver."""
import json, os, shutil, sys

source, target, base_url = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(target, exist_ok=True)
for name in os.listdir(source):
    shutil.copy(os.path.join(source, name), os.path.join(target, name))
with open(os.path.join(source, "units.json"), encoding="utf-8") as f:
    units = json.load(f)
for unit in units["units"]:
    unit["webhook"] = f"{base_url}/units/{unit['id']}"
with open(os.path.join(target, "units.json"), "w", encoding="utf-8") as f:
    json.dump(units, f, ensure_ascii=False, indent=2)
