#!/usr/bin/env python3
"""Stands in for the units' webhooks, duty-group robots and the SMS gateway in the demo: prints every
message it receives and answers as the real ones would."""
import hashlib, hmac, json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        path = self.path.split("?")[0]
        if path.startswith("/robot/"):
            card = (data or {}).get("actionCard") or (data or {}).get("markdown") or {}
            print(f"\n--- duty robot {path}\n{card.get('text') or card.get('content')}", flush=True)
            answer = b'{"errcode":0,"errmsg":"ok"}'
        elif path == "/sms":
            print(f"\n--- SMS to {(data or {}).get('mobile')}: {(data or {}).get('content')}", flush=True)
            answer = b'{"code":0}'
        else:
            message = (data or {}).get("message", body[:300])
            print(f"\n--- webhook {path} (Idempotency-Key {self.headers.get('Idempotency-Key')}{self.signature(body)})\n{message}",
                  flush=True)
            answer = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def signature(self, body):
        """Checks a signed webhook as docs/security.md tells receivers (demo units' secret: demo-secret)."""
        timestamp, signature = self.headers.get("X-Minsheng-Timestamp"), self.headers.get("X-Minsheng-Signature")
        if not signature:
            return ", unsigned"
        expected = "sha256=" + hmac.new(b"demo-secret", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = abs(time.time() - int(timestamp)) <= 300
        return ", signature ok" if hmac.compare_digest(expected, signature) and fresh else ", SIGNATURE BAD"

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
