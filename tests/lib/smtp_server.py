#!/usr/bin/env python3
"""A real SMTP server for the notification tests (aiosmtpd), on a loopback port.

Every message it accepts is written to --dir as NNN-<time>.eml (the message as received) beside NNN-<time>.json
(envelope, the AUTH login used, whether the session was encrypted); both appear atomically (written, then renamed).

  --security starttls   plain connection; STARTTLS offered and required before AUTH and MAIL (the default)
  --security tls        TLS from the first byte (SMTPS)
  --auth PLAIN,LOGIN    the AUTH mechanisms offered (AUTH is always required)

The certificate: --tls-dir holds ca.pem (a throwaway CA) and server.pem/server.key (for localhost and 127.0.0.1),
made with openssl when missing, so a test trusts ca.pem. The password is read from --password-file (never argv).
It prints "ready PORT" once it accepts connections, and stops on SIGTERM/SIGINT, when its parent process exits, or
after --max-seconds.
"""
import argparse
import json
import os
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from peer_lifetime import serve_until_stopped


def make_certificates(folder):
    """A CA and a server certificate for localhost / 127.0.0.1 / ::1, signed by it (kept when present)."""
    os.makedirs(folder, exist_ok=True)
    ca_key, ca, key, cert = (os.path.join(folder, n) for n in ("ca.key", "ca.pem", "server.key", "server.pem"))
    if os.path.exists(cert) and os.path.exists(ca):
        return cert, key
    run = lambda *args: subprocess.run(args, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=sms test SMTP CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    csr = os.path.join(folder, "server.csr")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    ext = os.path.join(folder, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n"
                "basicConstraints=CA:FALSE\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
        "-days", "2", "-extfile", ext)
    return cert, key


class Recorder:
    """Writes each accepted message and its envelope to the folder."""

    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # A mailbox that does not exist, for the tests of a recipient refused for good.
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            stem = "%03d-%d" % (self.count, time.time_ns())
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": login,
            "authenticated": bool(session.authenticated),
            "encrypted": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
        }
        for suffix, data in ((".eml", envelope.original_content or envelope.content), (".json", json.dumps(meta).encode())):
            path = os.path.join(self.folder, stem + suffix)
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.rename(path + ".tmp", path)
        return "250 OK message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tls-dir", required=True)
    parser.add_argument("--security", choices=["starttls", "tls"], default="starttls")
    parser.add_argument("--auth", default="PLAIN,LOGIN")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    with open(args.password_file, "rb") as f:
        password = f.read().strip()
    os.makedirs(args.dir, exist_ok=True)

    cert, key = make_certificates(args.tls_dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode() and auth_data.password == password
        # handled=False: aiosmtpd then answers a failure with 535 itself (by default it answers nothing).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    offered = {m.strip().upper() for m in args.auth.split(",") if m.strip()}
    excluded = [m for m in ("PLAIN", "LOGIN") if m not in offered]
    common = dict(hostname="127.0.0.1", port=args.port, server_hostname="localhost", authenticator=authenticator,
                  auth_required=True, auth_require_tls=True, auth_exclude_mechanism=excluded)
    if args.security == "tls":
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; here every byte is encrypted from the start.
        common["auth_require_tls"] = False
        controller = Controller(Recorder(args.dir), ssl_context=context, **common)
    else:
        controller = Controller(Recorder(args.dir), tls_context=context, require_starttls=True, **common)
    controller.start()

    serve_until_stopped(args.port, args.max_seconds)
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
