"""Tell Prometheus that a batch run succeeded: when, how many rows, how long.

A batch run ends before Prometheus could scrape it, so it pushes its metrics to the Pushgateway
(``settings.pushgateway_url``) as job ``batch``, grouped by model name. Only successful runs push:
``time() - batch_last_success_timestamp_seconds`` then measures how long scoring has been failing
or not running at all, which is what an alert needs.

A Pushgateway outage does not fail the run: the predictions are written and valid. The caller
reports the failed push, and the age of the last success grows until someone looks.
"""

import time
from typing import Final

from prometheus_client import CollectorRegistry, Gauge

from ..monitoring.push import push_job_metrics
from ..settings import Settings
from .score import BatchSummary

PUSH_JOB: Final = "batch"


def batch_metrics(summary: BatchSummary, *, finished_at: float) -> CollectorRegistry:
    """The run's metrics: ``batch_last_success_timestamp_seconds``, rows and duration."""
    registry = CollectorRegistry()
    values = {
        "batch_last_success_timestamp_seconds": (
            "When the last successful batch run finished, in Unix seconds.",
            finished_at,
        ),
        "batch_rows_scored": ("Rows scored by the last successful batch run.", summary.rows),
        "batch_duration_seconds": (
            "Duration of the last successful batch run, in seconds.",
            summary.seconds,
        ),
    }
    for name, (documentation, value) in values.items():
        Gauge(name, documentation, registry=registry).set(value)
    return registry


def push_batch_metrics(settings: Settings, summary: BatchSummary) -> bool:
    """Push the run's metrics when ``settings.pushgateway_url`` is set; ``False`` otherwise.

    Raises ``monitoring.push.PushError`` when the gateway cannot be reached.
    """
    return push_job_metrics(
        settings, job=PUSH_JOB, registry=batch_metrics(summary, finished_at=time.time())
    )
