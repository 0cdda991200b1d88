#!/usr/bin/env python3
"""Turn bench/run's rows.tsv into the markdown report (stdout)."""

import argparse
import csv
import sys

COLUMNS = ["server", "commits", "body_bytes", "close", "conns", "target_rate", "rate",
           "p50_us", "p99_us", "p999_us", "acked", "rows", "check", "load", "sockerr"]

# SPEC targets (docs/performance.md explains them).
TARGET_NGINX_RATIO = 0.5
TARGET_BASELINE_RATIO = 10.0
TARGET_HALF_RATE_P99_MS = 10.0


def ms(us):
    return f"{int(us) / 1000:.1f}"


def kb(n):
    return f"{int(n) / 1024:.1f} KB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows")
    for opt in ["smoke", "duration", "threads", "started", "load-start", "load-end", "nproc", "cpu",
                "fs", "shiplog", "shiplog-version", "wrk", "nginx", "python"]:
        ap.add_argument("--" + opt, default="?")
    a = ap.parse_args()
    smoke = a.smoke == "1"

    with open(a.rows, newline="") as f:
        rows = [dict(zip(COLUMNS, r)) for r in csv.reader(f, delimiter="\t")]
    for r in rows:
        for k in ["commits", "body_bytes", "close", "conns", "target_rate", "rate", "p50_us", "p99_us",
                  "p999_us", "acked"]:
            r[k] = int(r[k])

    def find(server, commits, close, conns, target_rate=0):
        for r in rows:
            if (r["server"], r["commits"], r["close"], r["conns"], r["target_rate"]) == (
                    server, commits, close, conns, target_rate):
                return r
        return None

    out = []
    w = out.append
    title = "shiplog ingest benchmark" + (" (smoke)" if smoke else "")
    w(f"# {title} — {a.started}\n")
    w(f"- command: `bench/run{' --smoke' if smoke else ''}`; {a.duration} s per cell, "
      f"`wrk -t{a.threads}` + `bench/lua/push.lua`, everything on 127.0.0.1")
    w(f"- machine: {a.nproc} CPUs, {a.cpu}; store on {a.fs}; "
      f"load average (1/5/15 min) {a.load_start} at start, {a.load_end} at end")
    w(f"- shiplog: `{a.shiplog}` ({a.shiplog_version}); {a.wrk}; nginx {a.nginx}; "
      f"baseline: Python {a.python}")
    w("- events/s = 200 answers ÷ wrk's run time. shiplog and baseline answer only after an fsync'd "
      "commit; nginx stores nothing (HTTP ceiling). Latencies from wrk (send → last byte of the answer).")
    w("- check: every answer was 200 `stored`, and after the server stopped, its store held every "
      "acknowledged event (`mdb_stat -s journal` / `count(*)`); \"+N in flight\" = requests the server "
      "committed after wrk stopped reading (≤ connections + read errors + timeouts). Socket errors = "
      "requests wrk got no answer to (connect/read/write errors, timeouts > 15 s).\n")

    w("| body | connection | conns | server | events/s | shiplog ÷ nginx | shiplog ÷ baseline "
      "| p50 ms | p99 ms | p99.9 ms | acked | stored | check | socket errors | load 1m |")
    w("|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|--:|")
    for r in rows:
        if r["target_rate"]:
            continue
        ratio_n = ratio_b = ""
        if r["server"] == "shiplog":
            n = find("nginx", r["commits"], r["close"], r["conns"])
            b = find("baseline", r["commits"], r["close"], r["conns"])
            if n and n["rate"]:
                ratio_n = f"{r['rate'] / n['rate']:.2f}"
            if b and b["rate"]:
                ratio_b = f"{r['rate'] / b['rate']:.1f}×"
        w(f"| {kb(r['body_bytes'])} ({r['commits']} commits) | {'close' if r['close'] else 'keep-alive'} "
          f"| {r['conns']} | {r['server']} | {r['rate']} | {ratio_n} | {ratio_b} | {ms(r['p50_us'])} "
          f"| {ms(r['p99_us'])} | {ms(r['p999_us'])} | {r['acked']} | {r['rows']} | {r['check']} "
          f"| {r['sockerr']} | {r['load']} |")

    paced = [r for r in rows if r["target_rate"]]
    if paced:
        w("\nPaced run (shiplog, 6 KB, keep-alive; `WRK_RATE` = half of shiplog's best 6 KB keep-alive "
          "rate above; wrk has no coordinated-omission correction, latency is measured from the "
          "actual send):\n")
        w("| conns | target events/s | achieved events/s | p50 ms | p99 ms | p99.9 ms | check | socket errors "
          "| load 1m |")
        w("|--:|--:|--:|--:|--:|--:|---|---|--:|")
        for r in paced:
            w(f"| {r['conns']} | {r['target_rate']} | {r['rate']} | {ms(r['p50_us'])} | {ms(r['p99_us'])} "
              f"| {ms(r['p999_us'])} | {r['check']} | {r['sockerr']} | {r['load']} |")

    if not smoke:
        w("\nTargets (SPEC): durable 6 KB pushes, keep-alive, 32–64 connections (measured at 64):\n")
        w("| target | measured | met |")
        w("|---|---|---|")
        s, n, b = find("shiplog", 5, 0, 64), find("nginx", 5, 0, 64), find("baseline", 5, 0, 64)
        if s and n and n["rate"]:
            ratio = s["rate"] / n["rate"]
            w(f"| ≥ {TARGET_NGINX_RATIO:.0%} of nginx's rate | {s['rate']} vs {n['rate']} events/s = "
              f"{ratio:.0%} | {'yes' if ratio >= TARGET_NGINX_RATIO else 'no'} |")
        if s and b and b["rate"]:
            ratio = s["rate"] / b["rate"]
            w(f"| ≥ {TARGET_BASELINE_RATIO:.0f}× the SQLite baseline | {s['rate']} vs {b['rate']} events/s = "
              f"{ratio:.1f}× | {'yes' if ratio >= TARGET_BASELINE_RATIO else 'no'} |")
        for r in paced:
            p99 = r["p99_us"] / 1000
            w(f"| p99 < {TARGET_HALF_RATE_P99_MS:.0f} ms at half of peak | p99 {p99:.1f} ms at "
              f"{r['rate']} events/s ({r['conns']} connections, target {r['target_rate']}) | "
              f"{'yes' if p99 < TARGET_HALF_RATE_P99_MS else 'no'} |")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
