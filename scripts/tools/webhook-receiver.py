#!/usr/bin/env python3
"""A stand-in for the handling units' webhooks in the demo: prints every notification it receives."""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            sheet = json.loads(body)
            print(f"\n--- webhook {self.path} (Idempotency-Key {self.headers.get('Idempotency-Key')})\n{sheet.get('message', sheet)}", flush=True)
        except ValueError:
            print(f"\n--- webhook {self.path}: {body[:200]!r}", flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
