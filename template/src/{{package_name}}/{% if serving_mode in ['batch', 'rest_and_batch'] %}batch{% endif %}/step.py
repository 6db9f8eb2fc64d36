"""Batch scoring as a pipeline step: what the orchestrator's scoring task runs.

Like the training steps in ``pipelines.steps``, it takes and returns JSON-ready values (paths as
strings, a summary mapping), reads its settings from the environment, and holds no logic of its
own: it calls ``score_file``, the function behind ``make batch``, and pushes the run's metrics
like the command does.
"""

import logging
from pathlib import Path
from typing import Any

from ..monitoring.push import PushError
from ..settings import get_settings
from .metrics import push_batch_metrics
from .sample import write_sample_input
from .score import default_input_path, default_output_path, score_file

logger = logging.getLogger(__name__)


def score_batch(input_path: str | None = None, output_path: str | None = None) -> dict[str, Any]:
    """Score ``input_path`` with the champion into ``output_path``; return the run's summary.

    Without an input path it scores ``data/batch/input.parquet``, writing the sample there on
    first use (as ``make batch`` does), so a freshly generated project's pipeline runs end to end.
    """
    settings = get_settings()
    source = Path(input_path) if input_path else default_input_path(settings)
    if input_path is None and not source.exists():
        write_sample_input(source)
    destination = Path(output_path) if output_path else default_output_path(settings)
    summary = score_file(source, destination, settings)
    try:
        push_batch_metrics(settings, summary)
    except PushError as error:
        # The predictions are written: retrying the task for a monitoring outage would rescore.
        logger.warning("%s", error)
    return summary.to_dict()
