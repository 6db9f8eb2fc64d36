"""Prometheus metrics of the REST service, and the ASGI middleware that records them.

Metric names are fixed (not prefixed with the project name) so that the alert rules and dashboards
of every generated project read the same series:

- ``http_requests_total{endpoint, status}``: requests served, by route and HTTP status.
- ``http_request_duration_seconds{endpoint, status}``: latency histogram; the latency objective
  (``latency_slo_ms``) is one of its bucket bounds, so "share of requests within the objective"
  is an exact ratio of two series, not an interpolation.
- ``predictions_total``: rows predicted (a list request of 10 rows counts 10).
- ``model_info{name, version}``: 1 for the model being served.
- ``model_ready``: 1 when a model is loaded, 0 otherwise.

Each application owns its registry, so several apps (tests, or one per process) never collide.
With several uvicorn workers each process answers ``/metrics`` for itself: scale with replicas of
one worker each when exact per-service totals matter.
"""

import time
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_BUCKETS: Final = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
"""Latency bucket bounds in seconds, from 1 ms (a one-row prediction) to 5 s (a stalled request)."""

OTHER_ENDPOINT: Final = "other"
"""Label of requests to unknown paths: bounded label values, whatever clients send."""


class ServiceMetrics:
    """The service's metrics, registered in their own registry."""

    def __init__(self, latency_slo_seconds: float) -> None:
        """Create the metrics; ``latency_slo_seconds`` becomes a bucket bound of the histogram."""
        self.registry = CollectorRegistry(auto_describe=True)
        buckets = sorted({*DEFAULT_BUCKETS, latency_slo_seconds})
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests served, by endpoint and status code.",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from the first byte of the request to the end of the response, in seconds.",
            ["endpoint", "status"],
            buckets=buckets,
            registry=self.registry,
        )
        self.predictions = Counter(
            "predictions",
            "Rows predicted by the model.",
            registry=self.registry,
        )
        self.model_info = Gauge(
            "model_info",
            "The model being served (value 1), identified by its labels.",
            ["name", "version"],
            registry=self.registry,
        )
        self.model_ready = Gauge(
            "model_ready",
            "1 when a model is loaded and predictions are served, 0 otherwise.",
            registry=self.registry,
        )

    def set_model(self, name: str, version: str) -> None:
        """Record that model ``name`` at ``version`` is now served (and no other)."""
        self.model_info.clear()
        self.model_info.labels(name=name, version=version).set(1)
        self.model_ready.set(1)


class MetricsMiddleware:
    """Pure ASGI middleware that counts and times every HTTP request.

    A pure ASGI class rather than Starlette's ``BaseHTTPMiddleware``: the latter runs the app in a
    separate task with memory streams and costs a sizeable share of the throughput of a
    sub-millisecond endpoint. The labelled children are cached, so a request costs two dictionary
    lookups and two metric updates.
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, endpoints: frozenset[str]) -> None:
        """Wrap ``app``; paths outside ``endpoints`` are labelled ``other``."""
        self.app = app
        self.metrics = metrics
        self.endpoints = endpoints
        self._children: dict[tuple[str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request and record its endpoint, status and duration."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        endpoint = path if path in self.endpoints else OTHER_ENDPOINT
        # An exception escaping the app becomes a 500 further out (Starlette's error middleware),
        # so 500 is what is recorded unless a response start is seen.
        status = 500

        async def send_and_capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_capture)
        finally:
            self._observe(endpoint, status, time.perf_counter() - start)

    def _observe(self, endpoint: str, status: int, seconds: float) -> None:
        key = (endpoint, status)
        children = self._children.get(key)
        if children is None:
            labels = {"endpoint": endpoint, "status": str(status)}
            children = (
                self.metrics.requests.labels(**labels),
                self.metrics.latency.labels(**labels),
            )
            self._children[key] = children
        counter, histogram = children
        counter.inc()
        histogram.observe(seconds)
