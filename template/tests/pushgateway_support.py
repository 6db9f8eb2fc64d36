"""A stand-in Prometheus Pushgateway: a local HTTP server that records what it receives.

Tests point ``APP_PUSHGATEWAY_URL`` at it and then read the requests: the push really went over
HTTP, to the path the Pushgateway API defines (``/metrics/job/<job>/<label>/<value>``).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class PushedRequest:
    """One request the gateway received."""

    method: str
    path: str
    body: str


@dataclass
class Gateway:
    """A running stand-in gateway: its URL, what it received, and the status it answers."""

    url: str
    requests: list[PushedRequest] = field(default_factory=list)
    status: int = 200


@contextmanager
def running_gateway() -> Iterator[Gateway]:
    """Serve a recording gateway on a free loopback port for the duration of the block.

    The server answers each request before the client's push returns, so a test reads
    ``requests`` right after pushing, without waiting.
    """
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self._record()

        def do_POST(self) -> None:
            self._record()

        def _record(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(PushedRequest(self.command, self.path, body.decode()))
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: `shutdown` waits for the loop's next poll (half a second by default,
    # paid by every test that uses the gateway).
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
