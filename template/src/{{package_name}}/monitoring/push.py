"""Hand the metrics of a job that ends (a drift check, a batch run) to Prometheus.

Prometheus scrapes long-running services; a job that exits before the next scrape would never be
seen. Two ways out, both standard:

- a Pushgateway (``settings.pushgateway_url``): the job pushes its metrics there when it ends,
  Prometheus scrapes the gateway. Each job replaces its own group (``job`` and ``model`` labels),
  so the gateway always holds the latest run of each job for each model.
- a ``.prom`` file for the node exporter's textfile collector, written atomically (a temporary
  file renamed into place), so the collector never reads half a file.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from prometheus_client import CollectorRegistry, push_to_gateway, write_to_textfile

from ..settings import Settings

PUSH_TIMEOUT_SECONDS: Final = 10.0
"""A gateway that does not answer within this time fails the push instead of hanging the job."""


class PushError(RuntimeError):
    """The Pushgateway could not be reached or refused the metrics."""


def push_metrics(
    url: str,
    *,
    job: str,
    registry: CollectorRegistry,
    grouping_key: Mapping[str, str],
    timeout: float = PUSH_TIMEOUT_SECONDS,
) -> None:
    """Replace the metrics of ``job`` and ``grouping_key`` on the Pushgateway at ``url``.

    Raises ``PushError`` with a one-line reason when the gateway is unreachable or answers with
    an error status.
    """
    try:
        push_to_gateway(
            url, job=job, registry=registry, grouping_key=dict(grouping_key), timeout=timeout
        )
    except (OSError, ValueError) as error:
        # urllib's URLError and HTTPError are OSErrors; a malformed URL is a ValueError.
        raise PushError(f"could not push the {job} metrics to {url}: {error}") from None


def push_job_metrics(settings: Settings, *, job: str, registry: CollectorRegistry) -> bool:
    """Push ``registry`` as ``job`` of this project's model when ``settings.pushgateway_url`` is
    set; ``False`` when it is not.

    Raises ``PushError`` when the gateway cannot be reached.
    """
    if not settings.pushgateway_url:
        return False
    push_metrics(
        settings.pushgateway_url,
        job=job,
        registry=registry,
        grouping_key={"model": settings.model_name},
    )
    return True


def write_textfile(path: Path, registry: CollectorRegistry) -> None:
    """Write ``registry`` to ``path`` in the text format, atomically (textfile collector)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)
