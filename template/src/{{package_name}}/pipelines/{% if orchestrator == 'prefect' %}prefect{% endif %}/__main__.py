"""``python -m <package>.pipelines.prefect``: run the pipeline now, or on its schedule.

``run`` (``make pipeline``) runs the flow once in this process and prints its result as JSON.
Without ``PREFECT_API_URL``, Prefect starts a temporary local API for the run: no server to
install or keep running.
``serve`` (``make pipeline-serve``) needs a Prefect server: it registers the deployment with its
schedule there and runs the scheduled runs as they come.
"""

import json
from typing import Annotated

import typer

from . import deployment, pipeline_flow

app = typer.Typer(
    help="Run the training pipeline as a Prefect flow, once or on its retraining schedule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.command()
def run(
    run_dir: Annotated[
        str | None,
        typer.Option(help="Directory for the run's files (default: a new one under runs/)."),
    ] = None,
) -> None:
    """Run the pipeline once, now; print what it returned as JSON; exit 1 if a step fails.

    Prefect's log lines, the step-by-step account of the run, go to stderr.
    """
    state = pipeline_flow(run_dir=run_dir, return_state=True)
    if not state.is_completed():
        typer.echo(f"error: the pipeline failed: {state.message}", err=True)
        raise typer.Exit(code=1)
    typer.echo(json.dumps(state.result(), indent=2))


@app.command()
def serve(
    cron: Annotated[
        str, typer.Option(help="When to retrain: a cron expression, in UTC.")
    ] = deployment.RETRAIN_CRON,
) -> None:
    """Serve the pipeline on its schedule from this process (needs a Prefect server)."""
    problem = deployment.server_problem()
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(code=2)
    deployment.serve(pipeline_flow, cron=cron)


if __name__ == "__main__":
    app()
