#!/usr/bin/env python3
"""Reads the benchmark's dumps and prints figures as JSON.

  bench_report.py completions PUBLISHED OUTPUTS...   how each published event ended, and when
  bench_report.py count PREFIX OUTPUTS...             how many events with ids starting PREFIX have ended
  bench_report.py batches METRICS...                  per instance (a saved /metrics): consumer batches, their
                                                      mean size, and the mean time of their transactions

PUBLISHED: lines `<createTime ms>\t<key>` of the inbound topics (the key is the event's source id).
OUTPUTS: lines `<createTime ms>\t<key>\t<json>` of workorders.updates, police110.returns and
events.rejected. An event has ended at its first message there: a work order created for it, its
attachment to an open order (并案), its return to the 110 system, or its rejection.
"""
import json
import sys


def endings(paths, prefix=""):
    ended = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                parts = line.rstrip("\n").split("\t", 2)
                if len(parts) < 3:
                    continue
                try:
                    at = int(parts[0])
                    message = json.loads(parts[2])
                except ValueError:
                    continue
                source_id = None
                if "change" in message:  # workorders.updates
                    # A new order starts as created, or held at the centre for review (its first change).
                    if message["change"] in ("created", "held"):
                        source_id = message.get("sourceId")
                    elif message["change"] == "attached":
                        source_id = (message.get("attachedEvent") or {}).get("sourceId")
                elif "returnedAt" in message:  # police110.returns
                    source_id = message.get("sourceId")
                elif "rejectedAt" in message:  # events.rejected
                    source_id = message.get("sourceId") or message.get("originalKey")
                if source_id and source_id.startswith(prefix) and (source_id not in ended or at < ended[source_id]):
                    ended[source_id] = at
    return ended


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    index = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[index]


def completions(published_path, outputs):
    published = {}
    with open(published_path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].isdigit():
                published.setdefault(parts[1], int(parts[0]))
    ended = endings(outputs)
    matched = {key: ended[key] for key in published if key in ended}
    latencies = [matched[key] - published[key] for key in matched]
    times = sorted(matched.values())
    result = {"published": len(published), "ended": len(matched), "missing": len(published) - len(matched)}
    if times:
        start = min(published.values())
        span = (times[-1] - start) / 1000
        tenth = max(1, len(times) // 10)
        first = (times[tenth - 1] - start) / 1000
        last = (times[-1] - times[-tenth - 1]) / 1000 if len(times) > tenth else span
        result.update({
            "seconds": round(span, 2),
            "eventsPerSecond": round(len(times) / span, 1) if span > 0 else None,
            "first10PercentPerSecond": round(tenth / first, 1) if first > 0 else None,
            "last10PercentPerSecond": round(tenth / last, 1) if last > 0 else None,
            # Between the 10 % and the 90 % endings: the pace once every stage runs, without the start
            # (groups joining, caches warming), which moves the whole-run figure by a quarter between runs.
            "middle80PercentPerSecond": (round((len(times) - 2 * tenth) / ((times[-tenth - 1] - times[tenth - 1]) / 1000), 1)
                                         if len(times) > 2 * tenth and times[-tenth - 1] > times[tenth - 1] else None),
            "latencyMs": {"p50": percentile(latencies, 50), "p90": percentile(latencies, 90),
                          "p99": percentile(latencies, 99), "max": max(latencies)},
        })
        if result["first10PercentPerSecond"] and result["last10PercentPerSecond"]:
            result["lastToFirst"] = round(result["last10PercentPerSecond"] / result["first10PercentPerSecond"], 3)
    return result


def batches(paths):
    """Sums of the Prometheus series that say how large the consumers' batches were."""
    rows = []
    for path in paths:
        sums = {}
        with open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith("#") or " " not in line:
                    continue
                name, value = line.rsplit(" ", 1)
                metric = name.split("{", 1)[0]
                if metric in ("minsheng_batch_size_count", "minsheng_batch_size_sum",
                              "minsheng_group_commit_transactions_total", "minsheng_group_commit_writes_total",
                              "minsheng_sqlite_transaction_seconds_count", "minsheng_sqlite_transaction_seconds_sum"):
                    try:
                        sums[metric] = sums.get(metric, 0) + float(value)
                    except ValueError:
                        pass
        count = sums.get("minsheng_batch_size_count", 0)
        transactions = sums.get("minsheng_sqlite_transaction_seconds_count", 0)
        rows.append({
            "instance": path.rsplit("/", 1)[-1].split(".", 1)[1].removesuffix(".metrics"),
            "batches": int(count), "messages": int(sums.get("minsheng_batch_size_sum", 0)),
            "meanBatch": round(sums.get("minsheng_batch_size_sum", 0) / count, 1) if count else None,
            "transactions": int(transactions),
            "meanTransactionMs": round(sums.get("minsheng_sqlite_transaction_seconds_sum", 0) / transactions * 1000, 2) if transactions else None,
        })
        if sums.get("minsheng_group_commit_transactions_total"):
            rows[-1]["groupCommit"] = {"transactions": int(sums["minsheng_group_commit_transactions_total"]),
                                       "writes": int(sums.get("minsheng_group_commit_writes_total", 0))}
    return rows


def main():
    if sys.argv[1] == "completions":
        print(json.dumps(completions(sys.argv[2], sys.argv[3:])))
    elif sys.argv[1] == "batches":
        for row in batches(sys.argv[2:]):
            print(json.dumps(row))
    elif sys.argv[1] == "count":
        print(len(endings(sys.argv[3:], sys.argv[2])))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")


if __name__ == "__main__":
    main()
