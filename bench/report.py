#!/usr/bin/env python3
"""Turn bench/run's rows.tsv (+ parse JSON, bench/queries' section, footprint) into the markdown report (stdout)."""

import argparse
import csv
import json
import re
import sys

COLUMNS = ["server", "commits", "body_bytes", "close", "conns", "target_rate", "rate",
           "p50_us", "p99_us", "p999_us", "acked", "rows", "check", "load", "sockerr", "cpu_us"]

# Performance targets (docs/performance.md explains them).
TARGET_NGINX_RATIO = 0.5
TARGET_BASELINE_RATIO = 10.0
TARGET_HALF_RATE_P99_MS = 10.0
TARGET_PARSE_RATIO = 2.0
TARGET_IDLE_RSS_MB = 30.0

PAYLOADS = [("push_6k", "git.push, 5 commits"), ("push_60k", "git.push, 100 commits"),
            ("build", "build.complete (fixture)"), ("workitem", "workitem.updated (fixture)")]


def ms(us):
    return f"{int(us) / 1000:.1f}"


def kb(n):
    return f"{int(n) / 1024:.1f} KB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows")
    for opt in ["smoke", "duration", "threads", "started", "load-start", "load-end", "nproc", "cpu",
                "fs", "shiplog", "shiplog-version", "wrk", "nginx", "python", "command"]:
        ap.add_argument("--" + opt, default="?")
    for opt in ["parse-json", "footprint", "rss", "queries", "attack", "floor",
                "history-live", "history-reindex"]:
        ap.add_argument("--" + opt, default="")
    a = ap.parse_args()
    smoke = a.smoke == "1"

    rows = read_rows(a.rows)

    def find(server, commits, close, conns, target_rate=0):
        for r in rows:
            if (r["server"], r["commits"], r["close"], r["conns"], r["target_rate"]) == (
                    server, commits, close, conns, target_rate):
                return r
        return None

    out = []
    w = out.append
    title = "shiplog benchmark suite" + (" (smoke)" if smoke else "")
    w(f"# {title} — {a.started}\n")
    command = a.command if a.command != "?" else "bench/run" + (" --smoke" if smoke else "")
    w(f"- command: `{command}`; {a.duration} s per cell, "
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

    w("## Ingest\n")
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
        w("\nTargets: durable 6 KB pushes, keep-alive, 32–64 connections (measured at 64):\n")
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

    floor_section(w, a.floor)
    attack_section(w, a.attack)
    parse_section(w, a.parse_json)
    queries_section(w, a.queries)
    history_section(w, a.history_live, a.history_reindex, smoke)
    footprint_section(w, a.footprint, a.rss, smoke)
    print("\n".join(out))
    return 0


def read_rows(path):
    if not path:
        return []
    with open(path, newline="") as f:
        rows = [dict(zip(COLUMNS, r)) for r in csv.reader(f, delimiter="\t")]
    for r in rows:
        for k in ["commits", "body_bytes", "close", "conns", "target_rate", "rate", "p50_us", "p99_us",
                  "p999_us", "acked", "cpu_us"]:
            r[k] = int(r[k])
    return rows


FLOOR_LAYERS = {
    "nginx": "nginx `return 200`: the HTTP ceiling, no storage",
    "floor-inline": "shiplog's HTTP edge answering on the I/O thread, no work",
    "floor-hop": "+ the writer and syncer hand-offs (no storage)",
    "floor-fsync": "+ the 6 KB body written in place and one `fdatasync` per batch",
    "shiplog": "shiplog: parse, LMDB journal and index, deploy tracking, access log",
}


def floor_section(w, path):
    rows = read_rows(path)
    if not rows:
        return
    w("\n## Edge floor\n")
    w("6 KB pushes, keep-alive, 64 connections, back to back in this order. `bench/edge_floor.cpp` "
      "serves the same requests through shiplog's own edge with less and less of shiplog behind it, "
      "so the distance to nginx splits into what each layer costs. CPU = user + system time of the "
      "server's processes per answered request.\n")
    w("| server | what it does | events/s | ÷ nginx | CPU µs/request | p99 ms | check | load 1m |")
    w("|---|---|--:|--:|--:|--:|---|--:|")
    nginx = next((r for r in rows if r["server"] == "nginx"), None)
    for r in rows:
        ratio = f"{r['rate'] / nginx['rate']:.0%}" if nginx and nginx["rate"] else ""
        w(f"| {r['server']} | {FLOOR_LAYERS.get(r['server'], '')} | {r['rate']} | {ratio} "
          f"| {r['cpu_us']} | {ms(r['p99_us'])} | {r['check']} | {r['load']} |")


def attack_section(w, path):
    w("\n## Under attack\n")
    rows = []
    if path:
        with open(path) as f:
            rows = [r for r in csv.reader(f, delimiter="\t") if r]
    if not rows:
        w("(not run)")
        return
    w("Legitimate `git.push` webhooks, a new connection every 100 ms, timed from connect to the last "
      "byte of the answer, while `bench/attack.py` holds 1,000 connections from 127.0.0.1 that each "
      "send one header byte every 2 s (every one the server closes is reopened at once). An "
      "unanswered webhook counts as the client timeout in the percentiles.\n")
    w("| server | seconds | webhooks | 200 | unanswered | p50 ms | p99 ms | max ms "
      "| slow conns opened / closed by the server / held at the end | load 1m |")
    w("|---|--:|--:|--:|--:|--:|--:|--:|---|--:|")
    for (server, seconds, requests, ok200, unanswered, p50, p99, worst, opened, closed, held,
         load) in rows:
        w(f"| {server} | {seconds} | {requests} | {ok200} | {unanswered} | {p50} | {p99} | {worst} "
          f"| {opened} / {closed} / {held} | {load} |")


def section_text(w, title, path, skipped):
    """Writes the section's heading; the text of `path`, or None after saying why it is skipped."""
    w(f"\n## {title}\n")
    if not path:
        w(f"(skipped: {skipped})")
        return None
    with open(path) as f:
        return f.read()


def parse_section(w, path):
    text = section_text(w, "Parse", path, "no shiplog_parse_bench binary")
    if text is None:
        return
    data = json.loads(text)
    ctx = data.get("context", {})
    bench = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            raise SystemExit(f"report: parse benchmark {b['name']} failed: {b.get('error_message')}")
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        bench[b["name"]] = (b["cpu_time"] * scale, b.get("bytes_per_second", 0) / 1e9, b.get("bytes", 0))
    w("`shiplog_parse_bench` from `bench/parse_bench.cpp` (Google Benchmark, CPU time per event; "
      f"{ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz). "
      "raw = simdjson alone on a padded copy: On-Demand iterate + reading every key and value, or a DOM "
      "parse. intake = what the webhook worker does (`parse_envelope` + `classify_event`); event = intake + "
      "what the projector does in the writer transaction to get the typed event (it takes the one intake "
      "handed off): shiplog's whole per-event parse; re-parse = the same when the projector parses the "
      "journaled copy again (reindex, or no hand-off). ratio = event ÷ the faster raw parse.\n")
    w("| payload | bytes | raw On-Demand ns (GB/s) | raw DOM ns (GB/s) | intake ns (GB/s) "
      "| event ns (GB/s) | re-parse ns (GB/s) | event ÷ raw | within 2× |")
    w("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    for key, label in PAYLOADS:
        cells = [bench.get(f"{kind}/{key}")
                 for kind in ("raw_ondemand", "raw_dom", "intake", "event", "event_reparse")]
        if None in cells:
            continue
        raw = min(cells[0][0], cells[1][0])
        ratio = cells[3][0] / raw if raw else 0
        fmt = lambda c: f"{c[0]:,.0f} ({c[1]:.2f})"  # noqa: E731
        w(f"| {label} | {int(cells[0][2])} | {fmt(cells[0])} | {fmt(cells[1])} | {fmt(cells[2])} "
          f"| {fmt(cells[3])} | {fmt(cells[4])} | {ratio:.1f}× | {'yes' if ratio <= TARGET_PARSE_RATIO else 'no'} |")


def queries_section(w, path):
    """bench/queries' markdown (its own heading dropped), or why it is missing."""
    text = section_text(w, "Queries", path,
                        "--no-queries, or no build tree for shiplog_gen_store; see bench/run --help")
    if text is None:
        return
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    w("\n".join(lines).strip())


def history_section(w, live_path, reindex_path, smoke):
    """shiplog_history_bench: time per event against history, and reindex at 10x steps."""
    w("\n## History\n")
    if not live_path:
        w("(skipped: --no-history, or no shiplog_history_bench in the build tree)")
        return
    w("`shiplog_history_bench` from `bench/history_bench.cpp`: one `push` series through the "
      "JournalWriter and the Projector (journal append, projection, commit, fdatasync); at each "
      "checkpoint, pushes submitted one at a time, each acknowledged before the next (a webhook "
      "over a keep-alive connection).\n")
    with open(live_path) as f:
        text = f.read().strip()
    w(text)
    rows = re.findall(r"^\| (\d+) \| ([\d.]+) \|", text, re.M)
    if len(rows) >= 2 and not smoke:
        first, last = rows[0], rows[-1]
        ratio = float(last[1]) / float(first[1])
        w(f"\nPer event at {int(last[0]):,} deploys ÷ at {int(first[0]):,}: {ratio:.2f}x "
          f"(target ≤ 1.5x: **{'met' if ratio <= 1.5 else 'NOT met'}**).")
    if reindex_path:
        with open(reindex_path) as f:
            runs = [l.strip() for l in f if l.strip()]
        w("\n`reindex` of journals written without projection (`--reindex-only 1`):\n")
        w("| journal entries | wall s | events/s | CPU s | peak RssAnon MiB | CPU × vs previous |")
        w("| ---: | ---: | ---: | ---: | ---: | ---: |")
        previous = None
        for line in runs:
            m = re.search(r"reindex: (\d+) journal entries in ([\d.]+) s .*= (\d+) events/s; "
                          r"CPU ([\d.]+) s.*peak ([\d.]+) MiB", line)
            if not m:
                continue
            n, wall, rate, cpu, anon = int(m[1]), float(m[2]), m[3], float(m[4]), m[5]
            step = ""
            if previous and previous[1] > 0:
                step = f"{cpu / previous[1]:.1f}x for {n / previous[0]:.0f}x the events"
            w(f"| {n:,} | {wall:.1f} | {rate} | {cpu:.1f} | {anon} | {step} |")
            previous = (n, cpu)


def footprint_section(w, path, rss_path, smoke):
    w("\n## Footprint\n")
    fp = {}
    if path:
        with open(path) as f:
            for row in csv.reader(f, delimiter="\t"):
                if row:
                    fp[row[0]] = row[1:]
    rss = []
    if rss_path:
        with open(rss_path) as f:
            rss = [r for r in csv.reader(f, delimiter="\t") if r]
    w("| what | measured | target | met |")
    w("|---|--:|--:|---|")
    if "startup" in fp:
        ready, readyz, idle_rss, idle_hwm = fp["startup"]
        w(f"| start-up: exec → sd_notify READY=1 (median{'' if smoke else ' of 5'}, empty store) | {ready} ms | | |")
        w(f"| start-up: exec → first `/readyz` 200 | {readyz} ms | | |")
        mb = int(idle_rss) / 1024
        w(f"| RSS idle (VmRSS after start-up, no requests) | {mb:.1f} MB (peak so far {int(idle_hwm) / 1024:.1f} MB) "
          f"| < {TARGET_IDLE_RSS_MB:.0f} MB | {'yes' if mb < TARGET_IDLE_RSS_MB else 'no'} |")
    for c, close, conns, rate, vmrss, vmhwm in rss:
        if not vmrss:
            continue
        what = f"{'close' if close == '1' else 'keep-alive'}, {conns} conns, {c} commits"
        if rate != "0":
            what += f", paced {rate}/s"
        w(f"| RSS under load ({what}): at the end / peak (VmHWM) | {int(vmrss) / 1024:.1f} / "
          f"{int(vmhwm) / 1024:.1f} MB | | |")
    if "binary" in fp:
        full, stripped = (int(x) for x in fp["binary"])
        w(f"| binary size: as built / stripped | {full / 1e6:.1f} / {stripped / 1e6:.1f} MB | | |")
    if "fsync" in fp:
        p50, p90, mx, n = fp["fsync"]
        w("\n## Disk\n")
        w(f"8 KB overwrite in a preallocated file + `fdatasync` (what LMDB does per sync) in the bench's temp dir, "
          f"{n} times: p50 {p50} ms, p90 {p90} ms, max {mx} ms. "
          "An LMDB commit syncs twice (data pages, then the meta page), so one group commit takes ≥ 2 × fsync; "
          "with C requests in flight the durable rate is at most C ÷ (2 × fsync):\n")
        w("| in flight | ceiling at p50 fsync | ceiling at p90 fsync |")
        w("|--:|--:|--:|")
        for conns in (16, 64):
            lo = conns / (2 * float(p90) / 1000) if float(p90) > 0 else 0
            hi = conns / (2 * float(p50) / 1000) if float(p50) > 0 else 0
            w(f"| {conns} | {hi:,.0f} events/s | {lo:,.0f} events/s |")


if __name__ == "__main__":
    sys.exit(main())
