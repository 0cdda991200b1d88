#!/usr/bin/env python3
"""Footprint and disk measurements for bench/run (one TSV line each on stdout).

  footprint.py startup SHIPLOG CONFIG [--runs N] [--idle SECS]
      Starts `SHIPLOG serve --config CONFIG` N times (fresh store each time is
      the caller's job: CONFIG's store must be empty) with NOTIFY_SOCKET set,
      and measures exec -> sd_notify READY=1 and exec -> first /readyz 200.
      After the last start it waits --idle seconds and reads VmRSS/VmHWM from
      /proc/PID/status (idle footprint), then stops the server (SIGTERM).
      Prints: startup <ready_ms median> <readyz_ms median> <idle_rss_kb> <idle_hwm_kb>

  footprint.py fsync DIR [--count N]
      N times: overwrite 8 KB in a preallocated 4 MB file in DIR and
      fdatasync it -- what an LMDB commit does twice (data pages, then the
      meta page; LMDB overwrites pages in place and uses fdatasync on Linux).
      Prints: fsync <p50_ms> <p90_ms> <max_ms> <count>
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def listen_address(config):
    with open(config, "rb") as f:
        return tomllib.load(f)["server"]["listen"]


def one_start(shiplog, config, sock_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.001)
    url = f"http://{listen_address(config)}/readyz"
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    start = time.monotonic()
    proc = subprocess.Popen([shiplog, "serve", "--config", config], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready_ms = readyz_ms = None
    deadline = start + 30
    try:
        while (ready_ms is None or readyz_ms is None) and time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"footprint: shiplog exited during start-up (rc {proc.returncode})")
            if ready_ms is None:
                try:
                    if b"READY=1" in sock.recv(4096):
                        ready_ms = (time.monotonic() - start) * 1000
                except socket.timeout:
                    pass
            if readyz_ms is None:
                try:
                    with urllib.request.urlopen(url, timeout=1) as r:
                        if r.status == 200:
                            readyz_ms = (time.monotonic() - start) * 1000
                except OSError:
                    time.sleep(0.001)
        if ready_ms is None or readyz_ms is None:
            raise SystemExit("footprint: shiplog not ready after 30 s")
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        sock.close()
        os.unlink(sock_path)
    return proc, ready_ms, readyz_ms


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def startup(a):
    readies, readyzs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.runs):
            proc, ready_ms, readyz_ms = one_start(a.shiplog, a.config, os.path.join(tmp, f"notify-{i}"))
            readies.append(ready_ms)
            readyzs.append(readyz_ms)
            if i + 1 < a.runs:
                stop(proc)
                continue
            try:
                time.sleep(a.idle)
                st = proc_status(proc.pid)
            finally:
                stop(proc)
    print(f"startup\t{statistics.median(readies):.1f}\t{statistics.median(readyzs):.1f}"
          f"\t{st['VmRSS']}\t{st['VmHWM']}")


def fsync(a):
    times = []
    fd, path = tempfile.mkstemp(dir=a.dir, prefix="fsync-probe.")
    try:
        size = 4 << 20
        os.write(fd, bytes(size))  # allocate once, like an LMDB file that grew
        os.fsync(fd)
        block = os.urandom(8192)
        for i in range(a.count):
            os.pwrite(fd, block, (i * 8192 * 7) % size)
            t = time.monotonic()
            os.fdatasync(fd)
            times.append((time.monotonic() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(f"fsync\t{p(0.5):.2f}\t{p(0.9):.2f}\t{times[-1]:.2f}\t{len(times)}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("startup")
    s.add_argument("shiplog")
    s.add_argument("config")
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--idle", type=float, default=2.0)
    f = sub.add_parser("fsync")
    f.add_argument("dir")
    f.add_argument("--count", type=int, default=200)
    a = ap.parse_args()
    startup(a) if a.cmd == "startup" else fsync(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
