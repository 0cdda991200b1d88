#!/usr/bin/env python3
"""The "under attack" cell of bench/run: legitimate webhook latency while slow
clients hold connections.

    attack.py --port PORT --slow 1000 --duration 20 --nonce 1a2b

Opens --slow connections that each send one header byte every --interval
seconds (slowloris) and reopens every one the server closes, so the attack
holds its connections for the whole run. Meanwhile one legitimate client
delivers a git.push webhook on a new connection every --every seconds and
times it (connect -> last byte of the answer, timeout --timeout s). Prints one
tab-separated line:

    requests ok200 no_answer p50_ms p99_ms max_ms slow_opened slow_closed slow_held_at_end

A request that got no answer within the timeout counts as --timeout for the
percentiles (what a client waiting that long saw) and in no_answer.
"""

import argparse
import base64
import errno
import json
import multiprocessing
import selectors
import socket
import time

TRICKLE = b"POST /hooks/azure-devops HTTP/1.1\r\nHost: bench\r\nX-Slow: "


class Slowloris:
    """Runs in its own process, so its loop does not share the GIL with (and
    delay) the legitimate client being timed."""

    def __init__(self, port, count, interval, stop, opened):
        self.port, self.count, self.interval = port, count, interval
        self.stop, self.opened_shared = stop, opened
        self.opened = self.closed = self.held = 0
        self.sel = None

    def open_one(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", self.port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            return
        self.sel.register(s, selectors.EVENT_READ, {"sent": 0, "next": time.monotonic()})
        self.opened += 1
        self.opened_shared.value = self.opened

    def drop(self, key):
        self.sel.unregister(key.fileobj)
        key.fileobj.close()
        self.closed += 1

    def run(self, results):
        self.sel = selectors.DefaultSelector()
        for _ in range(self.count):
            self.open_one()
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.05):
                try:
                    data = key.fileobj.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:  # closed by the server: reopen at once
                    self.drop(key)
                    self.open_one()
            now = time.monotonic()
            for key in list(self.sel.get_map().values()):
                st = key.data
                if now < st["next"]:
                    continue
                byte = TRICKLE[st["sent"]:st["sent"] + 1] or b"a"
                try:
                    if key.fileobj.send(byte) == 1:
                        st["sent"] += 1
                        st["next"] = now + self.interval
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self.drop(key)
                    self.open_one()
        self.held = len(self.sel.get_map())
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        results.put((self.opened, self.closed, self.held))


def slowloris(port, count, interval, stop, opened, results):
    Slowloris(port, count, interval, stop, opened).run(results)


def push_event(event_id):
    """A git.push to Contoso/web-api main (what bench/run's config tracks), so
    shiplog stores it: the timed path includes the fsync'd commit."""
    person = {"name": "Ada", "email": "ada@contoso.example", "date": "2026-11-19T08:00:00Z"}
    return json.dumps({
        "subscriptionId": "5c9d6f3e-0a51-4f8e-9a57-0c4f2b1d7e11", "notificationId": 7,
        "id": event_id, "eventType": "git.push", "publisherId": "tfs",
        "message": {"text": "pushed"},
        "resource": {
            "commits": [{"commitId": "%040x" % 1000, "author": person, "committer": person,
                         "comment": "Fix #12 under attack"}],
            "refUpdates": [{"name": "refs/heads/main", "oldObjectId": "%040x" % 1,
                            "newObjectId": "%040x" % 1000}],
            "repository": {"id": "7a1b2c3d-0000-4000-8000-000000000001", "name": "web-api",
                           "project": {"id": "1f2e3d4c-0000-4000-8000-000000000002",
                                       "name": "Contoso"}},
            "pushedBy": {"displayName": "Ada", "uniqueName": "ada@contoso.example"},
            "pushId": 42, "date": "2026-11-20T10:00:00Z"},
        "resourceVersion": "1.0",
        "resourceContainers": {"project": {"id": "1f2e3d4c-0000-4000-8000-000000000002"}},
        "createdDate": "2026-11-20T10:00:01.1234567Z"}).encode()


def deliver(port, event_id, timeout, auth):
    body = push_event(event_id)
    request = (b"POST /hooks/azure-devops HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
               b"Content-Type: application/json\r\n" + auth +
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    started = time.monotonic()
    answer = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(max(0.01, timeout - (time.monotonic() - started)))
            s.sendall(request)
            while True:
                s.settimeout(max(0.01, timeout - (time.monotonic() - started)))
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        pass
    took = time.monotonic() - started
    ok = answer.startswith(b"HTTP/1.1 200") or answer.startswith(b"HTTP/1.0 200")
    return ok, bool(answer), min(took, timeout)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--every", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=15.0)
    ap.add_argument("--nonce", default="0")
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    a = ap.parse_args()
    auth = b""
    if a.user:
        auth = b"Authorization: Basic " + base64.b64encode(
            f"{a.user}:{a.password}".encode()) + b"\r\n"

    stop, opened, results = multiprocessing.Event(), multiprocessing.Value("i", 0), multiprocessing.Queue()
    attack = multiprocessing.Process(target=slowloris,
                                     args=(a.port, a.slow, a.interval, stop, opened, results))
    attack.start()
    # Let the attack take its connections before the first legitimate request.
    settle = time.monotonic() + min(2.0, a.duration / 4)
    while time.monotonic() < settle and opened.value < a.slow:
        time.sleep(0.05)
    latencies, ok200, no_answer = [], 0, 0
    end = time.monotonic() + a.duration
    i = 0
    while time.monotonic() < end:
        next_at = time.monotonic() + a.every
        ok, answered, took = deliver(a.port, f"attack-{a.nonce}-{i}", a.timeout, auth)
        i += 1
        latencies.append(took)
        ok200 += ok
        no_answer += not answered
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)  # pacing the legitimate client
    stop.set()
    slow_opened, slow_closed, slow_held = results.get(timeout=30)
    attack.join(timeout=30)
    print("\t".join(str(v) for v in [
        len(latencies), ok200, no_answer,
        f"{percentile(latencies, 50) * 1000:.1f}", f"{percentile(latencies, 99) * 1000:.1f}",
        f"{max(latencies) * 1000:.1f}", slow_opened, slow_closed, slow_held]))


if __name__ == "__main__":
    main()
