"""The server: one request at a time."""

import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from .registry import gap, replaces

SERIAL = gap("one_request_at_a_time", """each request is handled whole before the next starts, as AWS
    makes each call atomic: moto's backends are plain dictionaries shared by the server's threads,
    and two clients at once could see a stack half made, or make one twice (CreateStack checked
    the name, then built the stack: two calls with one name both passed the check)""")
_request_lock = threading.Lock()


@replaces(DomainDispatcherApplication, "__call__", SERIAL)
def _one_request_at_a_time(self, environ, start_response):
    with _request_lock:
        return _one_request_at_a_time.original(self, environ, start_response)
