#!/usr/bin/env python3
"""A local stand-in for the chat and incident services, on a loopback port: it checks each POSTed payload against
the service's published JSON shape (tests/lib/channel-schemas/<service>.schema.json, chosen by the first path
segment: /discord/…, /teams/…, /ntfy/…, /telegram/…, /pagerduty/…) and answers as the service does — its success
status when the payload fits, 400 with the schema errors when it does not.

Each request is appended to --record as one JSON line: {"service", "path", "headers", "body", "errors"}.
It prints "ready PORT" once it listens, and stops on SIGTERM, when its parent exits, or after --max-seconds.
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema

from peer_lifetime import serve_until_stopped

# What each service answers to an accepted request (status, body), as its documentation shows.
ANSWERS = {
    "discord": (204, None),
    "teams": (202, None),
    "ntfy": (200, {"id": "sms0test", "event": "message"}),
    "telegram": (200, {"ok": True, "result": {"message_id": 1}}),
    "pagerduty": (202, {"status": "success", "message": "Event processed"}),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--schemas", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "channel-schemas"))
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()

    validators = {}
    for service in ANSWERS:
        with open(os.path.join(args.schemas, service + ".schema.json")) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[service] = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            service = self.path.strip("/").split("/")[0]
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            errors = []
            try:
                body = json.loads(data)
            except ValueError as e:
                body, errors = data.decode("utf-8", "replace"), ["not JSON: %s" % e]
            if service not in validators:
                errors.append("no such service: %s" % service)
            elif not errors:
                errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(root)", e.message)
                          for e in validators[service].iter_errors(body)]
            if "application/json" not in (self.headers.get("Content-Type") or ""):
                errors.append("Content-Type is %r, not application/json" % self.headers.get("Content-Type"))
            entry = {"service": service, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                     "body": body, "errors": errors}
            with lock, open(args.record, "a") as f:
                f.write(json.dumps(entry) + "\n")
            status, answer = (400, {"errors": errors}) if errors else ANSWERS[service]
            payload = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    serve_until_stopped(args.port, args.max_seconds)
    server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
