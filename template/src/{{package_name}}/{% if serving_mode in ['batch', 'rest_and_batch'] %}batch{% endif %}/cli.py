"""The ``batch`` command: score a Parquet file with the champion model."""

import json
from pathlib import Path
from typing import Annotated

import typer


def batch(
    input_path: Annotated[
        Path | None,
        typer.Argument(
            help="Parquet file to score (default: data/batch/input.parquet).", dir_okay=False
        ),
    ] = None,
    output_path: Annotated[
        Path | None,
        typer.Argument(
            help="Parquet file to write (default: data/batch/predictions.parquet).",
            dir_okay=False,
        ),
    ] = None,
    chunk_rows: Annotated[
        int | None,
        typer.Option(min=1, help="Rows per chunk (default: the batch_chunk_rows setting)."),
    ] = None,
) -> None:
    """Score INPUT_PATH with the champion into OUTPUT_PATH, in chunks; print a JSON summary.

    The output keeps the input's non-feature columns (ids) and adds the predictions; it appears
    atomically, only once complete. A run that was killed is resumed: run the same command again.
    With pushgateway_url set, the run's metrics are pushed.
    """
    # Imported here: the project's command line imports this module for every command, and
    # pyarrow and the model stack are only needed when scoring.
    from ..console import settings_or_exit
    from ..inference import ModelUnavailableError
    from ..monitoring.push import PushError
    from .checkpoint import BatchBusyError
    from .metrics import push_batch_metrics
    from .score import BatchInputError, default_input_path, default_output_path, score_file

    settings = settings_or_exit()
    source = input_path or default_input_path(settings)
    destination = output_path or default_output_path(settings)
    try:
        summary = score_file(source, destination, settings, chunk_rows=chunk_rows)
    except (BatchInputError, BatchBusyError, ModelUnavailableError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps(summary.to_dict()))
    try:
        push_batch_metrics(settings, summary)
    except PushError as error:
        # The predictions are written: a monitoring outage must not fail (and re-run) scoring.
        typer.echo(f"warning: {error}", err=True)
