"""The ``drift`` and ``performance`` commands: the two checks that can ask for a retraining run.

Both write their results under ``reports/``, push their metrics to the Pushgateway when
``pushgateway_url`` is set, and with ``--retrain`` ask the orchestrator for a run of the training
pipeline when their threshold is crossed. The new model then becomes the champion only through
the promotion gate, like any other.

Exit codes: 0 checked, 1 the check or a follow-up (push, retraining request) failed, 2 invalid
settings, 3 threshold crossed with ``--fail-on-drift`` / ``--fail-on-degradation``.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..console import settings_or_exit

if TYPE_CHECKING:
    from ..settings import Settings

THRESHOLD_CROSSED_EXIT_CODE = 3

RetrainOption = Annotated[
    bool,
    typer.Option("--retrain", help="Trigger the retraining pipeline if the threshold is crossed."),
]


def drift(
    current: Annotated[
        Path | None,
        typer.Option(
            help="Parquet file, or directory of them (the prediction log), to check "
            "(default: the drift_current_path setting)."
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            help="Model version whose training data is the reference (default: the champion)."
        ),
    ] = None,
    retrain: RetrainOption = False,
    fail_on_drift: Annotated[
        bool, typer.Option("--fail-on-drift", help="Exit with code 3 if the data drifted.")
    ] = False,
) -> None:
    """Compare current data with the training data: report, summary and metrics in reports/drift/.

    Pushes the metrics to the Pushgateway when pushgateway_url is set. Exit codes: 0 checked,
    1 the check or a follow-up failed, 2 invalid settings, 3 drift with --fail-on-drift.
    """
    from .drift import DriftCheckError, describe, push_drift_metrics, run_drift_check

    settings = settings_or_exit()
    try:
        result, outputs = run_drift_check(
            settings, current_path=current, reference_version=reference
        )
    except DriftCheckError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(describe(result))
    typer.echo(f"report: {outputs.report}  summary: {outputs.summary}")
    pushed = _push(settings, lambda: push_drift_metrics(settings, result))
    _follow_up(
        settings,
        crossed=result.drift_detected,
        reason=describe(result),
        retrain=retrain,
        fail=fail_on_drift,
        pushed=pushed,
    )


def performance(
    outcomes: Annotated[
        Path,
        typer.Option(
            "--outcomes",
            help="CSV or Parquet file of true outcomes: an outcome column and the columns that "
            "identify each prediction (request_id and optionally row for the prediction log; "
            "the input's id columns for a batch output).",
            dir_okay=False,
        ),
    ],
    predictions: Annotated[
        Path | None,
        typer.Option(
            help="The predictions: the prediction log, or a batch output "
            "(default: the performance_predictions_path setting)."
        ),
    ] = None,
    model_version: Annotated[
        str | None,
        typer.Option(help="Logged model version to score (default: the champion)."),
    ] = None,
    retrain: RetrainOption = False,
    fail_on_degradation: Annotated[
        bool,
        typer.Option("--fail-on-degradation", help="Exit with code 3 if the model fails the gate."),
    ] = False,
) -> None:
    """Score the served predictions on their true outcomes, against the promotion gate.

    Writes reports/performance/summary.json and metrics.prom and pushes the metrics when
    pushgateway_url is set. Exit codes: 0 checked, 1 the check or a follow-up failed, 2 invalid
    settings, 3 below the gate with --fail-on-degradation.
    """
    from .performance import (
        PerformanceCheckError,
        describe,
        push_performance_metrics,
        run_performance_check,
    )

    settings = settings_or_exit()
    try:
        result, outputs = run_performance_check(
            settings,
            outcomes_path=outcomes,
            predictions_path=predictions,
            model_version=model_version,
        )
    except PerformanceCheckError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(describe(result))
    if result.unmatched:
        typer.echo(f"{result.unmatched} of {result.outcomes} outcomes had no prediction to join")
    typer.echo(f"summary: {outputs.summary}")
    pushed = _push(settings, lambda: push_performance_metrics(settings, result))
    _follow_up(
        settings,
        crossed=result.degraded,
        reason=describe(result),
        retrain=retrain,
        fail=fail_on_degradation,
        pushed=pushed,
    )


def _push(settings: "Settings", push: Callable[[], bool]) -> bool:
    """Run ``push``; say where the metrics went, or why they did not. ``False`` on failure."""
    from .push import PushError

    try:
        if push():
            typer.echo(f"metrics pushed to {settings.pushgateway_url}")
    except PushError as error:
        typer.echo(f"error: {error}", err=True)
        return False
    return True


def _follow_up(
    settings: "Settings", *, crossed: bool, reason: str, retrain: bool, fail: bool, pushed: bool
) -> None:
    """Request retraining when asked and the threshold is crossed; then exit with the verdict."""
    if retrain and crossed:
        # Looked up on the module when needed: the orchestrator's client is imported only then.
        from . import retraining

        try:
            run = retraining.trigger_retraining(settings, reason=reason)
        except retraining.RetrainingTriggerError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=1) from None
        typer.echo(f"retraining requested: {run}")
    if not pushed:
        raise typer.Exit(code=1)
    if fail and crossed:
        raise typer.Exit(code=THRESHOLD_CROSSED_EXIT_CODE)
