#!/usr/bin/env python3
"""The demo's destination: prints each change WarehouseSync delivers, then answers 200.
Listens on 127.0.0.1; prints its port on the first line (argument: a port, 0 for any)."""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        for change in body.get("changes", []):
            print(f"received {change['key']}: set {json.dumps(change['set'])} unset {change['unset']} "
                  f"(run {change['run']})", flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = HTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
