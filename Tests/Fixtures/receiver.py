#!/usr/bin/env python3
"""A destination for the delivery tests, on 127.0.0.1: it records every request, applies each
change once per idempotency key (as a receiver that deduplicates does), and fails on command.

POST /_control {"script": ["429:2", "500", "drop", "stall:3", "200"], "reject": ["u3"], "clear": true,
               "chaos": 0.33}
  queues the answers to the next requests (then 200s), the keys it rejects with 400, and the
  share of the other requests that fail at random.
GET /_state -> {"requests", "profiles", "applied": [[key, run]...], "headers": [...], "duplicates",
               "alerts": [payload...], "segment_bodies": [bytes...], "message_ids": [...], "dropped"}
Prints the port it listens on as its first line. Port 0 picks a free one.
"""
import json
import os
import random
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"requests": 0, "profiles": {}, "applied": [], "headers": [], "duplicates": 0, "alerts": [],
         "segment_bodies": [], "message_ids": [], "dropped": 0}
seen = set()
script = []
reject = set()
chaos = {"ratio": 0.0, "random": random.Random(1)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"{}", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            body = json.dumps(state).encode()
        self.reply(200, body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/_control":
            command = json.loads(body)
            with lock:
                if command.get("clear"):
                    script.clear()
                    reject.clear()
                script.extend(command.get("script", []))
                if "chaos" in command:
                    chaos["ratio"] = command["chaos"]
                reject.update(command.get("reject", []))
            return self.reply(200)
        with lock:
            state["requests"] += 1
            action = script.pop(0) if script else "200"
            # "chaos": a share of requests fails at random: 429, 500, a stall past the timeout, a drop.
            if action == "200" and chaos["random"].random() < chaos["ratio"]:
                action = chaos["random"].choice(["429:0", "500", "stall:1.5", "drop"])
        if action == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
            self.close_connection = True
            return
        if action.startswith("stall"):
            time.sleep(float(action.split(":")[1]))
            self.close_connection = True
            return
        if action.startswith("429"):
            after = action.split(":")[1] if ":" in action else "1"
            return self.reply(429, b'{"error":"slow down"}', [("Retry-After", after)])
        if action == "huge":  # a 2xx with 50 MB of body after applying the batch (below)
            self.huge = True
            action = "200"
        if action.startswith("5"):
            return self.reply(int(action), b'{"error":"server error"}')
        try:
            payload = json.loads(body)
        except ValueError:  # a sender killed mid-request: nothing to answer
            self.close_connection = True
            return
        if "alert" in payload or "text" in payload:  # an alert (webhook or Slack form): recorded as sent
            with lock:
                state["alerts"].append(payload)
            return self.reply(200)
        changes = payload["changes"] if "changes" in payload else payload["batch"]
        if "batch" in payload:
            # Segment's documented limits: 500 KB a batch and 32 KB a message, else 400 for the whole
            # request; a messageId over 100 characters is answered 200 and silently dropped.
            with lock:
                state["segment_bodies"].append(len(body))
            too_large = [c for c in changes if len(json.dumps(c, separators=(",", ":")).encode()) > 32 * 1024]
            if len(body) > 500 * 1024 or too_large:
                return self.reply(400, b'{"error":"payload too large"}')
            with lock:
                state["message_ids"].extend(c.get("messageId", "") for c in changes)
                state["dropped"] += sum(1 for c in changes if len(c.get("messageId", "")) > 100)
            changes = [c for c in changes if len(c.get("messageId", "")) <= 100]
        keys = [c["key"] if "key" in c else c["userId"] for c in changes]
        with lock:
            rejected = [k for k in keys if k in reject]
        if rejected:
            detail = json.dumps({"error": "invalid record", "keys": rejected, "detail": "x" * 5000})
            return self.reply(400, detail.encode())
        with lock:
            state["headers"].append(
                {"idempotency_key": self.headers.get("Idempotency-Key"),
                 "authorization": self.headers.get("Authorization"),
                 "path": self.path, "count": len(changes)})
            for change in changes:
                ident = change.get("idempotency_key") or change.get("messageId")
                if ident in seen:
                    state["duplicates"] += 1
                    continue
                seen.add(ident)
                key = change.get("key") or change.get("userId")
                profile = state["profiles"].setdefault(key, {})
                if "set" in change:
                    profile.update(change["set"])
                    for name in change["unset"]:
                        profile.pop(name, None)
                    state["applied"].append([key, change["run"]])
                else:
                    profile.update(change["traits"])
                    state["applied"].append([key, change["context"]["warehouse_sync"]["run"]])
        if getattr(self, "huge", False):
            self.send_response(200)
            self.send_header("Content-Length", str(50 << 20))
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b"x" * (1 << 20))
            except OSError:
                pass  # the client read what it needed and hung up
            self.close_connection = True
            return
        self.reply(200)


def orphan_watch():
    """Exits when the test process that started it is gone (a killed test run leaves none behind)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


threading.Thread(target=orphan_watch, daemon=True).start()
class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that timed out or was killed closed its end: nothing to report


server = Server(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
