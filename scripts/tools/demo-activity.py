#!/usr/bin/env python3
"""Puts the demo's units to work over dispatch's API, so that the console has something to show: some
orders signed, some resolved, one closed after the citizen's answer, one returned to the centre (it
waits there for approval). Usage: demo-activity.py <units.json> <dispatch base URL>"""
import json, os, sys, time, urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from demo_tokens import demo_token  # noqa: E402  (the public demo tokens: demo mode only)

units_path, base = sys.argv[1], sys.argv[2].rstrip("/")
units = json.load(open(units_path, encoding="utf-8"))["units"]
tokens = {u["id"]: demo_token(u["id"]) for u in units}
centre = next(u["id"] for u in units if u["tier"] == "centre")


def call(method, path, token, body=None):
    request = urllib.request.Request(base + path, method=method, headers={"Authorization": f"Bearer {token}",
                                                                          "Content-Type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


# The samples take a few seconds to become orders.
orders = []
for _ in range(30):
    _, page = call("GET", "/v1/workorders?status=dispatched&limit=100", tokens[centre])
    orders = page.get("items", [])
    if len(orders) >= 8:
        break
    time.sleep(1)
orders.sort(key=lambda o: o["workOrderId"])
for index, order in enumerate(orders[:7]):
    token, wid = tokens.get(order["unitId"]), order["workOrderId"]
    if not token:
        continue
    if index == 6:
        status, _ = call("POST", f"/v1/workorders/{wid}/return", token, {"reason": "经核实不属于本单位职责，请中心改派"})
        print(f"  {wid} returned by {order['unitId']}: HTTP {status}")
        continue
    status, _ = call("POST", f"/v1/workorders/{wid}/sign", token, {})
    line = f"  {wid} signed by {order['unitId']}: HTTP {status}"
    if index < 4:
        status, _ = call("POST", f"/v1/workorders/{wid}/resolve", token, {"result": "已到现场核实处置，并告知反映人"})
        line += f", resolved: HTTP {status}"
    if index == 0:
        status, _ = call("POST", f"/v1/workorders/{wid}/feedback", tokens[centre], {"satisfied": True, "comment": "回访满意"})
        line += f", citizen satisfied: HTTP {status}"
    print(line)
