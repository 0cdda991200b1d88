#!/usr/bin/env python3
"""The "typical alternative" for the ingest bench: the webhook receiver a team
writes in an afternoon.

Python stdlib only: http.server.ThreadingHTTPServer (a thread per connection,
HTTP/1.1 keep-alive) + sqlite3 in WAL mode with synchronous=FULL, so each
answer comes after the event is fsync'd, like shiplog's. One INSERT + COMMIT
per request, deduplicated by the event id (UNIQUE). Answers the same JSON as
shiplog: 200 {"status":"stored"|"duplicate"}, 400 on a body without an id.

    bench/baseline_receiver.py --port 8081 --db /tmp/x/events.sqlite
"""

import argparse
import json
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    body        TEXT NOT NULL
)
"""


def connect(path):
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client says close
    db_path = ""
    local = threading.local()

    def log_message(self, fmt, *args):  # no per-request logging
        pass

    def db(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = connect(self.db_path)
        return conn

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:  # the client asked for close: say so
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path != "/hooks/azure-devops":
            self.reply(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            event = json.loads(raw)
            event_id, event_type = event["id"], event["eventType"]
            if not isinstance(event_id, str) or not isinstance(event_type, str):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            self.reply(400, {"error": "not an Azure DevOps event"})
            return
        conn = self.db()
        try:
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(
                "INSERT OR IGNORE INTO events (event_id, event_type, body) VALUES (?, ?, ?)",
                (event_id, event_type, raw.decode("utf-8", "replace")),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.reply(503, {"error": f"event not stored: {e}"})
            return
        self.reply(200, {"status": "stored" if cur.rowcount == 1 else "duplicate"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client hanging up (wrk stopping mid-request) is not an error.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    connect(args.db).executescript(SCHEMA)
    Handler.db_path = args.db
    server = Server((args.host, args.port), Handler)
    print(f"baseline listening on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
