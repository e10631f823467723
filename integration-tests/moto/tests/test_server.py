"""The gap of `server`: one request at a time (shown on the dispatcher itself, with a slow
stand-in for moto's)."""

import threading
import time

import eksharden_moto  # noqa: F401
from eksharden_moto.server import _one_request_at_a_time


def test_one_request_at_a_time(monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()

    def slow_dispatch(app, environ, start_response):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return [b""]

    monkeypatch.setattr(_one_request_at_a_time, "original", slow_dispatch)
    threads = [threading.Thread(target=_one_request_at_a_time, args=(None, {}, None)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
