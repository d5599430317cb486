"""How the test peers (smtp_server.py, http_receiver.py) live: ready when they say so, gone with their parent."""
import os
import signal
import threading
import time


def serve_until_stopped(port, max_seconds):
    """Prints "ready PORT" and returns on SIGTERM or SIGINT, when the parent (the test) is gone, or after
    max_seconds, whichever comes first: a peer never outlives the test that started it."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready %d" % port, flush=True)
    parent = os.getppid()
    deadline = time.monotonic() + max_seconds
    while not stop.is_set() and os.getppid() == parent and time.monotonic() < deadline:
        stop.wait(0.2)
