"""Model performance on delayed labels: does the model in production still pass its quality gate?

Drift says the inputs changed; only the true outcomes say whether the predictions got worse. They
arrive later (a diagnosis confirmed, a sale made), in a CSV or Parquet file with an ``outcome``
column and the columns that identify each prediction: ``request_id`` (and ``row``, default 0) for
the REST service's prediction log, the id columns of the input for a batch output. This module
joins them with the predictions on those columns, scores the predictions with the same metrics as
training (``tasks.score_predictions``), and compares the primary metric with the gate's
``metric_threshold``: a model that would not be promoted today is said to be degraded.

What it writes, in ``reports/performance/``:

- ``summary.json``: the verdict and every metric, for machines;
- ``metrics.prom``: the same as Prometheus gauges (``model_performance_*``), also pushed to the
  Pushgateway when one is configured.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd
from prometheus_client import CollectorRegistry, Gauge

from ..registry.local import LocalModelStore
from ..settings import Settings
from ..tasks import ALLOWED_VALUES, HIGHER_IS_BETTER, PREDICTION_COLUMNS, TARGET, score_predictions
from ..training.gate import meets_threshold
from .outputs import write_text_atomically
from .push import push_job_metrics, write_textfile
from .tables import MonitoringDataError, column_names, read_frame, read_table

OUTCOME_COLUMN: Final = "outcome"
MIN_OUTCOMES: Final = 30
"""Fewer joined outcomes than this make the metric too noisy to retrain on: the check refuses."""

ROW_COLUMN: Final = "row"
"""Prediction-log column: the row's index in its request; outcomes without it mean row 0."""
VARIANT_COLUMN: Final = "variant"
VERSION_COLUMN: Final = "model_version"
TIME_COLUMN: Final = "timestamp"

PUSH_JOB: Final = "performance"
SUMMARY_FILE: Final = "summary.json"
METRICS_FILE: Final = "metrics.prom"
UNKNOWN_VERSION: Final = "unknown"


class PerformanceCheckError(RuntimeError):
    """The check cannot run: missing or unjoinable data, too few outcomes; the message says why."""


@dataclass(frozen=True)
class PerformanceResult:
    """The primary metric of the served predictions, against the promotion gate's threshold."""

    metric: str
    value: float
    threshold: float
    higher_is_better: bool
    metrics: dict[str, float]
    """Every metric of the task, on the joined rows."""
    rows: int
    """Outcomes joined to a prediction: the rows scored."""
    outcomes: int
    unmatched: int
    """Outcomes without a prediction (not logged, deleted by retention, another model version)."""
    model_version: str | None
    """The version whose predictions were scored; ``None`` when the predictions do not say."""
    generated_at: datetime

    @property
    def degraded(self) -> bool:
        """Whether the served model would fail the gate it was promoted through."""
        return not meets_threshold(
            self.value, self.threshold, higher_is_better=self.higher_is_better
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary (``summary.json``)."""
        return {
            "degraded": self.degraded,
            "metric": self.metric,
            "value": self.value,
            "threshold": self.threshold,
            "higher_is_better": self.higher_is_better,
            "metrics": self.metrics,
            "rows": self.rows,
            "outcomes": self.outcomes,
            "unmatched": self.unmatched,
            "model_version": self.model_version,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class PerformanceOutputs:
    """Where a check wrote its summary and metrics."""

    summary: Path
    metrics: Path


def run_performance_check(
    settings: Settings,
    *,
    outcomes_path: Path,
    predictions_path: Path | None = None,
    model_version: str | None = None,
) -> tuple[PerformanceResult, PerformanceOutputs]:
    """Score the predictions that have outcomes; write the summary and metrics files.

    ``predictions_path`` defaults to ``settings.performance_predictions_path``. When the
    predictions name their model version (the prediction log), only those of ``model_version``
    count, by default the champion's. Raises ``PerformanceCheckError`` when the check cannot run.
    """
    source = predictions_path or settings.performance_predictions_path
    try:
        outcomes = checked_outcomes(read_frame(outcomes_path), source=str(outcomes_path))
        predictions, version = load_predictions(
            source, key=key_columns(outcomes), settings=settings, model_version=model_version
        )
        joined = join(predictions, outcomes)
    except MonitoringDataError as error:
        raise PerformanceCheckError(str(error)) from None
    if len(joined) < MIN_OUTCOMES:
        served = f"model version {version}" if version else "the model"
        raise PerformanceCheckError(
            f"too few outcomes joined to predictions of {served} in {source}: {len(joined)} of "
            f"{len(outcomes)}; the check needs at least {MIN_OUTCOMES}"
        )
    result = score(settings, joined, outcomes=len(outcomes), model_version=version)
    return result, write_outputs(result, settings.reports_dir / "performance")


def checked_outcomes(outcomes: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """The outcomes, checked: an ``outcome`` column of target values, at least one key column,
    one outcome per key."""
    if OUTCOME_COLUMN not in outcomes.columns:
        raise MonitoringDataError(
            f"{source} has no {OUTCOME_COLUMN!r} column: outcomes need the true value in "
            f"{OUTCOME_COLUMN!r} and the columns that identify each prediction"
        )
    if len(outcomes.columns) == 1:
        raise MonitoringDataError(
            f"{source} has no key column: name each prediction by request_id (and row) for the "
            "prediction log, or by the id columns of the batch input"
        )
    try:
        values = pd.to_numeric(outcomes[OUTCOME_COLUMN])
    except (ValueError, TypeError):
        raise MonitoringDataError(f"{source}: {OUTCOME_COLUMN!r} must hold numbers") from None
    allowed = ALLOWED_VALUES.get(TARGET)
    invalid = values.isna()
    if allowed is not None:
        invalid |= ~values.isin(allowed)
    if invalid.any():
        expected = "one of " + ", ".join(map(str, allowed)) if allowed else "a number"
        raise MonitoringDataError(
            f"{source}: {int(invalid.sum())} outcomes are missing or invalid; "
            f"each must be {expected}"
        )
    duplicates = int(outcomes.duplicated(subset=key_columns(outcomes)).sum())
    if duplicates:
        raise MonitoringDataError(f"{source} has {duplicates} duplicate keys: one outcome per row")
    return outcomes.assign(**{OUTCOME_COLUMN: values})


def key_columns(outcomes: pd.DataFrame) -> list[str]:
    """The columns that identify a prediction: every outcomes column but ``outcome``."""
    return [str(name) for name in outcomes.columns if name != OUTCOME_COLUMN]


def load_predictions(
    path: Path, *, key: Sequence[str], settings: Settings, model_version: str | None
) -> tuple[pd.DataFrame, str | None]:
    """The key and prediction columns of the served predictions at ``path``, and their version.

    From the prediction log, only the champion variant's served predictions of one model version
    count (a shadow or challenger prediction is not what the model in production did); when a
    request id repeats, its latest prediction is the one the client kept.
    """
    try:
        available = column_names(path)
    except MonitoringDataError:
        if not path.exists():
            raise MonitoringDataError(
                f"no predictions at {path} (the performance_predictions_path setting): name the "
                "prediction log or a batch output with --predictions"
            ) from None
        raise
    wanted = [*key, *([ROW_COLUMN] if _row_implied(key, available) else [])]
    missing = [name for name in [*wanted, *PREDICTION_COLUMNS] if name not in available]
    if missing:
        raise MonitoringDataError(
            f"the predictions at {path} have no column {', '.join(map(repr, missing))}: the "
            f"outcomes' columns other than {OUTCOME_COLUMN!r} must identify a prediction there"
        )
    extra = [name for name in (VARIANT_COLUMN, VERSION_COLUMN, TIME_COLUMN) if name in available]
    predictions = read_table(path, [*wanted, *PREDICTION_COLUMNS, *extra])
    if VARIANT_COLUMN in predictions.columns:
        predictions = predictions.loc[predictions[VARIANT_COLUMN] == "champion"]
    version = None
    if VERSION_COLUMN in predictions.columns:
        version = model_version or _champion_version(settings)
        predictions = predictions.loc[predictions[VERSION_COLUMN].astype(str) == version]
    if TIME_COLUMN in predictions.columns:
        predictions = predictions.sort_values(TIME_COLUMN, kind="stable")
    predictions = predictions.drop_duplicates(subset=wanted, keep="last")
    return predictions.loc[:, [*wanted, *PREDICTION_COLUMNS]], version


def join(predictions: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Inner-join outcomes to predictions on the outcomes' key (row 0 when the log has rows)."""
    key = key_columns(outcomes)
    if ROW_COLUMN in predictions.columns and ROW_COLUMN not in key:
        outcomes = outcomes.assign(**{ROW_COLUMN: 0})
        key = [*key, ROW_COLUMN]
    aligned = {name: _like(outcomes[name], predictions[name]) for name in key}
    outcomes = outcomes.assign(**aligned)
    return outcomes.merge(predictions, on=key, how="inner", validate="one_to_one")


def score(
    settings: Settings, joined: pd.DataFrame, *, outcomes: int, model_version: str | None
) -> PerformanceResult:
    """The task's metrics on the joined rows, and the primary one against the gate."""
    columns = {name: joined[name].to_numpy() for name in PREDICTION_COLUMNS}
    try:
        metrics = score_predictions(joined[OUTCOME_COLUMN].to_numpy(), columns)
    except ValueError as error:
        # ROC AUC of outcomes that are all of one class, for example.
        raise PerformanceCheckError(f"cannot score the joined outcomes: {error}") from None
    metric = settings.primary_metric
    return PerformanceResult(
        metric=metric,
        value=metrics[metric],
        threshold=settings.metric_threshold,
        higher_is_better=HIGHER_IS_BETTER[metric],
        metrics=metrics,
        rows=len(joined),
        outcomes=outcomes,
        unmatched=outcomes - len(joined),
        model_version=model_version,
        generated_at=datetime.now(UTC),
    )


def write_outputs(result: PerformanceResult, directory: Path) -> PerformanceOutputs:
    """Write the JSON summary and the metrics file, each atomically."""
    outputs = PerformanceOutputs(summary=directory / SUMMARY_FILE, metrics=directory / METRICS_FILE)
    write_text_atomically(outputs.summary, json.dumps(result.to_dict(), indent=2) + "\n")
    write_textfile(outputs.metrics, performance_metrics(result))
    return outputs


def performance_metrics(result: PerformanceResult) -> CollectorRegistry:
    """The check's outcome as Prometheus gauges (``model_performance_*``)."""
    registry = CollectorRegistry()
    version = result.model_version or UNKNOWN_VERSION
    values = Gauge(
        "model_performance_metric",
        "Each metric of the model on the predictions whose outcomes are known.",
        ["metric", "model_version"],
        registry=registry,
    )
    for name, value in result.metrics.items():
        values.labels(metric=name, model_version=version).set(value)
    labelled = {"metric": result.metric, "model_version": version}
    gauges = {
        "model_performance_threshold": (
            "The promotion gate's threshold on the primary metric.",
            result.threshold,
        ),
        "model_performance_degraded": (
            "1 when the primary metric fails the promotion gate, else 0.",
            float(result.degraded),
        ),
        "model_performance_outcomes": ("Outcomes joined to a prediction.", float(result.rows)),
        "model_performance_last_run_timestamp_seconds": (
            "When the performance check ran, in Unix seconds.",
            result.generated_at.timestamp(),
        ),
    }
    for name, (documentation, value) in gauges.items():
        Gauge(name, documentation, list(labelled), registry=registry).labels(**labelled).set(value)
    return registry


def push_performance_metrics(settings: Settings, result: PerformanceResult) -> bool:
    """Push the metrics to ``settings.pushgateway_url``; ``False`` when none is configured.

    Raises ``monitoring.push.PushError`` when the gateway cannot be reached.
    """
    return push_job_metrics(settings, job=PUSH_JOB, registry=performance_metrics(result))


def describe(result: PerformanceResult) -> str:
    """One line for people: the verdict, the metric against the gate, and on how many outcomes."""
    verdict = "performance below the gate" if result.degraded else "performance holds"
    bound = "at least" if result.higher_is_better else "at most"
    version = f" of model version {result.model_version}" if result.model_version else ""
    return (
        f"{verdict}: {result.metric} {result.value:.4f}{version} on {result.rows} outcomes "
        f"(the gate requires {bound} {result.threshold:g})"
    )


def _row_implied(key: Sequence[str], available: Sequence[str]) -> bool:
    """Whether the predictions have a row index that the outcomes leave implicit (row 0)."""
    return ROW_COLUMN in available and ROW_COLUMN not in key


def _champion_version(settings: Settings) -> str:
    version = LocalModelStore.from_settings(settings).champion_version()
    if version is None:
        raise MonitoringDataError(
            "no champion model to check: train one first (make train), or name the logged "
            "version with --model-version"
        )
    return version


def _like(values: pd.Series, reference: pd.Series) -> pd.Series:
    """``values`` converted to the type of ``reference``, so that keys compare equal."""
    if pd.api.types.is_numeric_dtype(reference):
        try:
            return pd.to_numeric(values).astype(reference.dtype)
        except (ValueError, TypeError):
            raise MonitoringDataError(
                f"key column {values.name!r} of the outcomes must hold numbers, as in the "
                "predictions"
            ) from None
    return values.astype(str)
