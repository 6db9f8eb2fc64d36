"""When the pipeline runs on its own: the retraining schedule and the deployment that carries it.

Two ways to run the pipeline on a schedule, both against a Prefect server (self-hosted with
``prefect server start``, or Prefect Cloud), because the local, ephemeral API that ``make
pipeline`` uses has no scheduler:

- ``make pipeline-serve`` (``python -m <package>.pipelines.prefect serve``): this process
  registers the deployment with its cron schedule and runs each scheduled run itself. Simple: one
  long-running process, no work pool.
- ``prefect deploy --all`` with ``prefect.yaml`` at the project root: the deployment goes to a
  work pool, and a worker (``make pipeline-worker``), here or elsewhere, runs the scheduled runs.

Both name the same deployment and schedule; a test checks that ``prefect.yaml`` agrees with the
constants below.
"""

from typing import Any

from prefect import Flow
from prefect import serve as serve_deployments
from prefect.client.orchestration import get_client
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.settings import get_current_settings
from prefect.types.entrypoint import EntrypointType

DEPLOYMENT_NAME = "retrain"
"""Name of the deployment; Prefect shows it as ``<flow name>/retrain``."""

RETRAIN_CRON = "0 3 * * 1"
"""Retrain every Monday at 03:00: often enough to follow slow drift, cheap on this data."""

RETRAIN_TIMEZONE = "UTC"

TAGS = ("training",)


def api_url() -> str | None:
    """The Prefect API this process talks to; ``None`` means a local, ephemeral one."""
    return get_current_settings().api.url


def server_problem() -> str | None:
    """Why the pipeline cannot be served from here, or ``None`` when a Prefect server answers."""
    url = api_url()
    if url is None:
        return (
            "no Prefect server: set PREFECT_API_URL (a local one: `make prefect-server`, then "
            "PREFECT_API_URL=http://127.0.0.1:4200/api); the temporary API of `make pipeline` "
            "has no scheduler"
        )
    with get_client(sync_client=True) as client:
        error = client.api_healthcheck()
    if error is not None:
        return f"the Prefect server at {url} does not answer ({error}); is it running?"
    return None


def retraining_deployment(
    pipeline: Flow[..., Any], *, cron: str = RETRAIN_CRON, name: str = DEPLOYMENT_NAME
) -> RunnerDeployment:
    """The deployment of ``pipeline`` on the retraining schedule.

    The entry point is the flow's module path, not a file path: the flows import the project's
    package, so whoever runs them needs the package installed (``make setup``, or the image).
    """
    return RunnerDeployment.from_flow(
        pipeline,
        name=name,
        schedules=[Cron(cron, timezone=RETRAIN_TIMEZONE)],
        tags=list(TAGS),
        description=pipeline.description,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve(pipeline: Flow[..., Any], *, cron: str = RETRAIN_CRON) -> None:
    """Register the deployment with the server, then run its scheduled runs until stopped."""
    serve_deployments(retraining_deployment(pipeline, cron=cron))
