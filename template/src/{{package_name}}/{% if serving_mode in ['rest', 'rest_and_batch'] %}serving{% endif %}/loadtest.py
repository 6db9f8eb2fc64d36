"""A short, bounded load test of the REST service: how fast, how steady, and any errors.

Closed loop: ``concurrency`` clients, each on one kept-alive HTTP/1.1 connection, send their next
request as soon as they have read the previous answer, until ``requests`` answers are in or
``max_seconds`` have passed. The client is plain asyncio streams: its own cost per request is a
few microseconds beside the server's (an HTTP library would add hundreds, and show up in the
latencies), and it needs nothing beyond the standard library.
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np

CONNECT_TIMEOUT_S = 10.0
ANSWER_TIMEOUT_S = 30.0


class LoadTestError(RuntimeError):
    """The load test cannot run: a URL it cannot use, or a service that cannot be reached."""


@dataclass(frozen=True)
class Target:
    """Where the requests go: a plain-HTTP host, port and path."""

    host: str
    port: int
    path: str

    @classmethod
    def from_url(cls, url: str) -> "Target":
        """Parse ``http://host[:port]/path``; HTTPS is not supported (use a loopback URL)."""
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise LoadTestError(f"cannot load-test {url!r}: give an http://host:port/path URL")
        return cls(host=parts.hostname, port=parts.port or 80, path=parts.path or "/")


@dataclass
class _Tally:
    """What the clients share: the next request number, and what came back."""

    requests: int
    deadline: float
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def take(self) -> int | None:
        """The number of the next request to send, or ``None`` when the test is over."""
        if self.sent >= self.requests or time.monotonic() >= self.deadline:
            return None
        self.sent += 1
        return self.sent - 1


@dataclass(frozen=True)
class LoadTestResult:
    """Figures of one load test. Latencies are client-side: from sending to the last byte read."""

    requests: int
    """Answers received (errors included)."""
    concurrency: int
    rows_per_request: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    """Answers other than 200, plus requests that got no answer (connection failures)."""
    statuses: dict[str, int]
    failures: list[str]
    """The first few connection failures, as text."""

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data."""
        return asdict(self)


def request_bodies(rows: Sequence[dict[str, float]], rows_per_request: int) -> list[bytes]:
    """JSON bodies for ``/predict``: one row as an object, or lists of ``rows_per_request``."""
    if rows_per_request < 1 or not rows:
        raise LoadTestError("a load test needs at least one row per request")
    if rows_per_request == 1:
        return [json.dumps(row).encode() for row in rows]
    count = max(len(rows) // rows_per_request, 1)
    repeated = [rows[i % len(rows)] for i in range(count * rows_per_request)]
    return [
        json.dumps(repeated[i * rows_per_request : (i + 1) * rows_per_request]).encode()
        for i in range(count)
    ]


def run_load_test(
    url: str,
    bodies: Sequence[bytes],
    *,
    requests: int,
    concurrency: int,
    max_seconds: float,
    rows_per_request: int = 1,
    headers: Mapping[str, str] | None = None,
) -> LoadTestResult:
    """Post ``bodies`` (in turn) to ``url``; stop after ``requests`` answers or ``max_seconds``.

    ``headers`` are sent with every request (the API key of a service that requires one).
    """
    if requests < 1 or concurrency < 1:
        raise LoadTestError("requests and concurrency must be at least 1")
    target = Target.from_url(url)
    tally = _Tally(requests=requests, deadline=time.monotonic() + max_seconds)
    started = time.perf_counter()
    asyncio.run(_load(target, bodies, tally, min(concurrency, requests), headers or {}))
    seconds = time.perf_counter() - started
    latencies = np.asarray(tally.latencies_ms, dtype=np.float64)
    if latencies.size == 0:
        detail = tally.failures[0] if tally.failures else "no request was answered"
        raise LoadTestError(f"cannot reach {url}: {detail}")
    p50, p90, p99 = (float(value) for value in np.percentile(latencies, [50, 90, 99]))
    answered = int(latencies.size)
    not_ok = sum(count for status, count in tally.statuses.items() if status != 200)
    return LoadTestResult(
        requests=answered,
        concurrency=concurrency,
        rows_per_request=rows_per_request,
        seconds=round(seconds, 3),
        requests_per_second=round(answered / seconds, 1),
        p50_ms=round(p50, 3),
        p90_ms=round(p90, 3),
        p99_ms=round(p99, 3),
        max_ms=round(float(latencies.max()), 3),
        errors=not_ok + len(tally.failures),
        statuses={str(status): count for status, count in sorted(tally.statuses.items())},
        failures=tally.failures[:5],
    )


async def _load(
    target: Target,
    bodies: Sequence[bytes],
    tally: _Tally,
    clients: int,
    headers: Mapping[str, str],
) -> None:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head = (
        f"POST {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n{extra}"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    requests = [head + str(len(body)).encode() + b"\r\n\r\n" + body for body in bodies]
    await asyncio.gather(*(_client(target, requests, tally) for _ in range(clients)))


async def _client(target: Target, requests: Sequence[bytes], tally: _Tally) -> None:
    """One connection: send, read the whole answer, repeat; reconnect after a failure."""
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    try:
        while (number := tally.take()) is not None:
            try:
                if connection is None:
                    connection = await asyncio.wait_for(
                        asyncio.open_connection(target.host, target.port), CONNECT_TIMEOUT_S
                    )
                reader, writer = connection
                started = time.perf_counter()
                writer.write(requests[number % len(requests)])
                status, keep_alive = await asyncio.wait_for(_read_answer(reader), ANSWER_TIMEOUT_S)
                tally.latencies_ms.append((time.perf_counter() - started) * 1000.0)
                tally.statuses[status] += 1
                if not keep_alive:
                    writer.close()
                    connection = None
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
                tally.failures.append(f"{type(error).__name__}: {error}")
                if connection is not None:
                    connection[1].close()
                    connection = None
    finally:
        if connection is not None:
            connection[1].close()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 answer with a Content-Length body; return (status, kept alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" not in headers:
        raise ValueError(f"answer {status} has no Content-Length")
    await reader.readexactly(int(headers["content-length"]))
    return status, headers.get("connection", "").lower() != "close"
