"""The ``ab-test`` command: is the challenger better than the champion, on logged outcomes?"""

import json
from pathlib import Path
from typing import Annotated

import typer


def ab_test(
    outcomes: Annotated[
        Path,
        typer.Option(
            "--outcomes",
            help="CSV or Parquet file of true outcomes: request_id, outcome and optionally row.",
            dir_okay=False,
        ),
    ],
    alpha: Annotated[
        float, typer.Option(min=0.001, max=0.5, help="Significance level of the test.")
    ] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Compare champion and challenger on outcomes joined to the prediction log.

    Only served predictions count (challenger_mode=split); the verdict says whether the
    challenger is better, worse, or not significantly different at ALPHA.
    """
    # Imported here: pandas and scipy take a while to import, and --help must answer at once.
    from ...console import settings_or_exit
    from ..tables import MonitoringDataError
    from .analysis import run_ab_test
    from .result import ABTestError

    settings = settings_or_exit()
    try:
        result, joined = run_ab_test(settings, outcomes, alpha=alpha)
    except (MonitoringDataError, ABTestError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        summary = {**result.to_dict(), "outcomes": joined.outcomes, "unmatched": joined.unmatched}
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(
        f"{joined.outcomes} outcomes, {joined.outcomes - joined.unmatched} joined to served "
        f"predictions in {settings.prediction_log_dir}"
    )
    for line in result.describe():
        typer.echo(line)
