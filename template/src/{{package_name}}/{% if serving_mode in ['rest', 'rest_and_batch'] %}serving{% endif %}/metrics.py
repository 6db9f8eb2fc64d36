"""Prometheus metrics of the REST service, and the ASGI middleware that records them.

Metric names are fixed (not prefixed with the project name) so that the alert rules and dashboards
of every generated project read the same series:

- ``http_requests_total{endpoint, status}``: requests served, by route and HTTP status; 499
  (nginx's code) is a request whose client went away before any answer, not a server error.
- ``http_request_duration_seconds{endpoint, status}``: latency histogram, from the first byte of
  the request to the last byte of the response (work done after it, such as shadow scoring, is
  not the client's latency); the latency objective (``latency_slo_ms``) is one of its bucket
  bounds, so "share of requests within the objective" is an exact ratio of two series.
- ``predictions_total{variant}``: rows answered, by the ``champion`` or the ``challenger`` (a list
  request of 10 rows counts 10); ``shadow_predictions_total``: rows the challenger scored in
  shadow mode (never returned), and ``shadow_prediction_errors_total`` its failures.
- ``predicted_class_total{variant, class}`` (classification) or the ``prediction_value{variant}``
  histogram (regression): the distribution of predictions (see ``distribution.py``).
- ``model_input_rows_total``, ``model_input_feature_sum{feature}``,
  ``model_input_feature_squares_sum{feature}``, ``model_input_out_of_range_total{feature}``:
  per-feature input statistics (see ``collectors.FeatureStatistics``); off when
  ``feature_metrics`` is false.
- ``prediction_errors_total{kind}``: failed prediction requests, counted where they fail:
  ``invalid_input`` (422), ``too_large`` (413), ``body_timeout`` (408), ``unauthorized`` (401),
  ``not_ready`` (503), ``internal`` (500).
- ``model_info{name, version, variant}``: 1 for each loaded model; ``model_ready``: 1 when a
  champion is loaded, 0 otherwise.
- ``prediction_log_rows_total``, ``prediction_log_dropped_rows_total``: rows written to the
  prediction log, and rows it dropped.

Each application owns its registry, so several apps (tests, or one per process) never collide.
With several uvicorn workers each process answers ``/metrics`` for itself: scale with replicas of
one worker each when exact per-service totals matter.
"""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..inference import ServingModel
from ..registry.base import CHALLENGER_ALIAS, CHAMPION_ALIAS
from ..tasks import FEATURES
from .collectors import FeatureStatistics, PredictionLogCounts
from .distribution import PredictionDistribution

logger = logging.getLogger(__name__)

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

VARIANTS: Final = (CHAMPION_ALIAS, CHALLENGER_ALIAS)
"""Values of the ``variant`` label: which model answered (the registry alias it was loaded by)."""

ERROR_KINDS: Final = (
    "invalid_input",
    "too_large",
    "body_timeout",
    "unauthorized",
    "not_ready",
    "internal",
)
"""Values of the ``kind`` label of ``prediction_errors_total``."""

CLIENT_CLOSED_STATUS: Final = 499
"""Status recorded for a request whose client disconnected before any answer (nginx's code).

Nothing is sent, and the client's leaving is not the service's failure: counted as a 5xx, clients
that give up (a slow upload abandoned, a caller's own timeout) would page as server errors.
"""


class ServiceMetrics:
    """The service's metrics, registered in their own registry."""

    def __init__(
        self,
        latency_slo_seconds: float,
        *,
        feature_metrics: bool = True,
        log_counts: Callable[[], tuple[int, int]] | None = None,
    ) -> None:
        """Create the metrics; ``latency_slo_seconds`` becomes a bucket bound of the histogram.

        ``feature_metrics`` turns the per-feature input statistics on; ``log_counts`` returns the
        prediction log's (written, dropped) row counts (both 0 without a log).
        """
        self.registry = CollectorRegistry(auto_describe=True)
        # The objective is a bucket bound, and so is twice the objective: above the largest
        # finite bound, histogram_quantile can only answer that bound, and a p99 alert on an
        # objective of several seconds could never fire.
        buckets = sorted({*DEFAULT_BUCKETS, latency_slo_seconds, 2 * latency_slo_seconds})
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
            "Rows answered, by the variant of the model that answered them.",
            ["variant"],
            registry=self.registry,
        )
        self.shadow_predictions = Counter(
            "shadow_predictions",
            "Rows the challenger scored in shadow mode (logged, never returned).",
            registry=self.registry,
        )
        self.shadow_errors = Counter(
            "shadow_prediction_errors",
            "Shadow scorings of the challenger that failed (the responses were not affected).",
            registry=self.registry,
        )
        self.errors = Counter(
            "prediction_errors",
            "Prediction requests that failed, by kind of failure.",
            ["kind"],
            registry=self.registry,
        )
        self.model_info = Gauge(
            "model_info",
            "The models being served (value 1), identified by their labels.",
            ["name", "version", "variant"],
            registry=self.registry,
        )
        self.model_ready = Gauge(
            "model_ready",
            "1 when a champion is loaded and predictions are served, 0 otherwise.",
            registry=self.registry,
        )
        # Children created up front: every series exists (at 0) from the first scrape, so rates
        # and alerts work before the first error, and requests skip the label lookup.
        self._predicted = {variant: self.predictions.labels(variant) for variant in VARIANTS}
        self._errors = {kind: self.errors.labels(kind) for kind in ERROR_KINDS}
        self._info_labels: dict[str, tuple[str, str, str]] = {}
        self.inputs = FeatureStatistics(FEATURES) if feature_metrics else None
        if self.inputs is not None:
            self.registry.register(self.inputs)
        self.distribution = PredictionDistribution()
        self.registry.register(self.distribution)
        self.registry.register(PredictionLogCounts(log_counts or (lambda: (0, 0))))

    def set_model(self, variant: str, model: ServingModel) -> None:
        """Record that ``model`` now serves as ``variant`` (replacing the previous one)."""
        self.clear_model(variant)
        labels = (model.name, model.version, variant)
        self.model_info.labels(*labels).set(1)
        self._info_labels[variant] = labels
        if variant != CHAMPION_ALIAS:
            return
        self.model_ready.set(1)
        self.distribution.configure(model.reference)
        if self.inputs is None:
            return
        if model.reference is None:
            logger.warning(
                "champion version %s has no reference data: inputs outside the training range "
                "are not counted while it serves",
                model.version,
            )
            self.inputs.set_range(None, None)
        else:
            self.inputs.set_range(model.reference.low, model.reference.high)

    def clear_model(self, variant: str) -> None:
        """Record that no model serves as ``variant`` any more."""
        labels = self._info_labels.pop(variant, None)
        if labels is not None:
            self.model_info.remove(*labels)

    def record(
        self, variant: str, rows: npt.NDArray[np.float64], outputs: Mapping[str, npt.NDArray[Any]]
    ) -> None:
        """Record the ``rows`` a request sent and the ``outputs`` ``variant`` answered."""
        self._predicted[variant].inc(len(rows))
        if self.inputs is not None:
            self.inputs.observe(rows)
        self.distribution.observe(variant, outputs)

    def record_shadow(self, outputs: Mapping[str, npt.NDArray[Any]]) -> None:
        """Record the challenger's shadow predictions of one request."""
        self.shadow_predictions.inc(len(outputs["prediction"]))
        self.distribution.observe(CHALLENGER_ALIAS, outputs)

    def error(self, kind: str) -> None:
        """Count one failed prediction request of ``kind`` (one of ``ERROR_KINDS``)."""
        self._errors[kind].inc()


class MetricsMiddleware:
    """Pure ASGI middleware that counts and times every HTTP request.

    A pure ASGI class rather than Starlette's ``BaseHTTPMiddleware``: the latter runs the app in a
    separate task with memory streams and costs a sizeable share of the throughput of a
    sub-millisecond endpoint. The labelled children are cached, so a request costs two dictionary
    lookups and two metric updates.

    The request is recorded when the last byte of its response is sent, not when the application
    returns: background work after the response (shadow scoring) is not the client's latency.
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
        # so 500 is what is recorded unless a response start is seen. An app that returns
        # without answering does so because the client went away (see ``limits.py``).
        status = 500
        started = recorded = returned = False

        async def send_and_capture(message: Message) -> None:
            nonlocal status, started, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                recorded = True
                self._observe(endpoint, status, time.perf_counter() - start)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_capture)
            returned = True
        finally:
            if not recorded:
                if returned and not started:
                    status = CLIENT_CLOSED_STATUS
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
