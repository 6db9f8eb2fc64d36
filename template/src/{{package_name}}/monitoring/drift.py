"""Data drift: do the inputs the model sees now still look like the data it was trained on?

The reference is a model version's ``reference.parquet`` (its training rows, saved at training);
the current data is a Parquet file or the service's prediction log. Evidently compares them
feature by feature with the test it picks for the column and the sample size (Kolmogorov-Smirnov
for small samples, Wasserstein distance for large ones...) and decides which features drifted;
the data set drifts when at least ``drift_share_threshold`` of the features did. This module
only chooses the columns, and turns Evidently's verdict into files and metrics:

- ``reports/drift/report.html``: Evidently's report, for people;
- ``reports/drift/summary.json``: the verdict and every feature's score, for machines;
- ``reports/drift/metrics.prom``: the same as Prometheus metrics (``model_drift_*``), for the node
  exporter's textfile collector, and pushed to the Pushgateway when one is configured.

Evidently takes seconds to import and belongs to the ``training`` dependency group: it is imported
when a check runs, never by the online service.
"""

import json
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from prometheus_client import CollectorRegistry, Gauge

from ..registry.base import ModelNotFoundError
from ..registry.local import LocalModelStore
from ..settings import Settings
from ..tasks import FEATURES
from .outputs import write_text_atomically
from .push import push_job_metrics, write_textfile
from .tables import MonitoringDataError, read_table

MIN_CURRENT_ROWS: Final = 30
"""Fewer current rows than this say more about chance than about drift: the check refuses them."""

PUSH_JOB: Final = "drift"
REPORT_FILE: Final = "report.html"
SUMMARY_FILE: Final = "summary.json"
METRICS_FILE: Final = "metrics.prom"


class DriftCheckError(RuntimeError):
    """The check cannot run: no champion, no reference or current data, too few rows."""


@dataclass(frozen=True)
class FeatureDrift:
    """Evidently's verdict on one feature."""

    score: float
    """The test's p-value or distance, as Evidently reports it (see ``method``)."""
    method: str
    drifted: bool


@dataclass(frozen=True)
class DriftResult:
    """The outcome of one drift check."""

    drift_detected: bool
    drift_share: float
    """Share of the features that drifted."""
    threshold: float
    features: dict[str, FeatureDrift]
    reference_rows: int
    current_rows: int
    model_version: str
    """The version whose reference data the current data was compared with."""
    generated_at: datetime

    @property
    def drifted_features(self) -> list[str]:
        """The features that drifted, in ``FEATURES`` order."""
        return [name for name, feature in self.features.items() if feature.drifted]

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary (``summary.json``)."""
        return {
            "drift_detected": self.drift_detected,
            "drift_share": self.drift_share,
            "threshold": self.threshold,
            "drifted_features": self.drifted_features,
            "features": {
                name: {"score": item.score, "method": item.method, "drifted": item.drifted}
                for name, item in self.features.items()
            },
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "model_version": self.model_version,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class DriftOutputs:
    """Where a check wrote its report, summary and metrics."""

    report: Path
    summary: Path
    metrics: Path


def run_drift_check(
    settings: Settings,
    *,
    current_path: Path | None = None,
    reference_version: str | None = None,
) -> tuple[DriftResult, DriftOutputs]:
    """Compare current data with a version's reference data; write report, summary and metrics.

    ``current_path`` defaults to ``settings.drift_current_path``, ``reference_version`` to the
    champion. Raises ``DriftCheckError`` with a one-line reason when the check cannot run.
    """
    version, reference = load_reference(settings, reference_version)
    current = load_current(current_path or settings.drift_current_path)
    result, html = detect_drift(
        reference, current, threshold=settings.drift_share_threshold, model_version=version
    )
    return result, write_outputs(result, html, settings.reports_dir / "drift")


def load_reference(settings: Settings, version: str | None) -> tuple[str, pd.DataFrame]:
    """The feature columns of ``version``'s reference data (default: the champion's)."""
    store = LocalModelStore.from_settings(settings)
    if version is None:
        version = store.champion_version()
        if version is None:
            raise DriftCheckError(
                f"no champion model in {store.root}: train one first (make train)"
            )
    try:
        store.get(version)
    except ModelNotFoundError as error:
        raise DriftCheckError(str(error)) from None
    path = store.reference_path(version)
    if not path.is_file():
        raise DriftCheckError(
            f"model version {version} has no reference data ({path}): it was trained before "
            "reference data was recorded; retrain (make train) to check drift against it"
        )
    try:
        return version, read_table(path, FEATURES)
    except MonitoringDataError as error:
        raise DriftCheckError(f"reference data of version {version}: {error}") from None


def load_current(path: Path) -> pd.DataFrame:
    """The feature columns of the current data: served rows of a log, or a whole file."""
    try:
        current = read_table(path, FEATURES)
    except MonitoringDataError as error:
        if not path.exists():
            raise DriftCheckError(
                f"no current data at {path} yet (the drift_current_path setting): it fills as "
                "the model serves, or name a Parquet file or directory with --current"
            ) from None
        raise DriftCheckError(str(error)) from None
    if len(current) < MIN_CURRENT_ROWS:
        raise DriftCheckError(
            f"too few rows in {path}: {len(current)}, drift needs at least {MIN_CURRENT_ROWS}"
        )
    return current


def detect_drift(
    reference: pd.DataFrame, current: pd.DataFrame, *, threshold: float, model_version: str
) -> tuple[DriftResult, str]:
    """Run Evidently's data drift preset on the feature columns; return the result and HTML."""
    try:
        with warnings.catch_warnings():
            # Evidently 0.7 has a docstring with an invalid escape; Python warns when it first
            # compiles the module, which reads like a problem of this project.
            warnings.simplefilter("ignore", SyntaxWarning)
            from evidently import DataDefinition, Dataset, Report
            from evidently.presets import DataDriftPreset
    except ModuleNotFoundError as error:
        raise DriftCheckError(
            f"drift detection needs Evidently ({error}), part of the training dependency group: "
            "run it in the training image or after make setup"
        ) from None
    # Every feature is numeric to the model, so it is to the drift tests too (Evidently would
    # otherwise guess that a column with few distinct values is categorical).
    definition = DataDefinition(numerical_columns=list(FEATURES))
    # The tests carry Evidently's verdicts: which columns drifted, and whether the data set did.
    report = Report([DataDriftPreset(drift_share=threshold)], include_tests=True)
    # A feature that became constant (a binary one shifted to a single value) makes a test
    # divide by zero; Evidently still scores it as drifted, numpy's warning would only be noise.
    with np.errstate(divide="ignore", invalid="ignore"):
        snapshot = report.run(
            current_data=Dataset.from_pandas(current, data_definition=definition),
            reference_data=Dataset.from_pandas(reference, data_definition=definition),
        )
    generated_at = datetime.now(UTC)
    result = _read_snapshot(
        snapshot.dict(),
        threshold=threshold,
        reference_rows=len(reference),
        current_rows=len(current),
        model_version=model_version,
        generated_at=generated_at,
    )
    return result, str(snapshot.get_html_str(as_iframe=False))


def write_outputs(result: DriftResult, html: str, directory: Path) -> DriftOutputs:
    """Write the HTML report, the JSON summary and the metrics file, each atomically."""
    outputs = DriftOutputs(
        report=directory / REPORT_FILE,
        summary=directory / SUMMARY_FILE,
        metrics=directory / METRICS_FILE,
    )
    write_text_atomically(outputs.report, html)
    write_text_atomically(outputs.summary, json.dumps(result.to_dict(), indent=2) + "\n")
    write_textfile(outputs.metrics, drift_metrics(result))
    return outputs


def drift_metrics(result: DriftResult) -> CollectorRegistry:
    """The check's outcome as Prometheus gauges (``model_drift_*``, labelled ``model_version``)."""
    registry = CollectorRegistry()
    labels = {"model_version": result.model_version}
    gauges = {
        "model_drift_detected": ("1 when the data drifted, else 0.", float(result.drift_detected)),
        "model_drift_share": ("Share of the features that drifted.", result.drift_share),
        "model_drift_features_drifted": (
            "Number of features that drifted.",
            float(len(result.drifted_features)),
        ),
        "model_drift_current_rows": ("Rows of current data checked.", float(result.current_rows)),
        "model_drift_last_run_timestamp_seconds": (
            "When the drift check ran, in Unix seconds.",
            result.generated_at.timestamp(),
        ),
    }
    for name, (documentation, value) in gauges.items():
        Gauge(name, documentation, list(labels), registry=registry).labels(**labels).set(value)
    scores = Gauge(
        "model_drift_feature_score",
        "Drift score of each feature: the test's p-value or distance, as Evidently reports it.",
        ["feature", *labels],
        registry=registry,
    )
    for feature, drift in result.features.items():
        scores.labels(feature=feature, **labels).set(drift.score)
    return registry


def push_drift_metrics(settings: Settings, result: DriftResult) -> bool:
    """Push the metrics to ``settings.pushgateway_url``; ``False`` when none is configured.

    Raises ``monitoring.push.PushError`` when the gateway cannot be reached.
    """
    return push_job_metrics(settings, job=PUSH_JOB, registry=drift_metrics(result))


def describe(result: DriftResult) -> str:
    """One line for people: the verdict, how many features drifted and against which model."""
    verdict = "drift detected" if result.drift_detected else "no drift"
    return (
        f"{verdict}: {len(result.drifted_features)} of {len(result.features)} features drifted "
        f"({result.drift_share:.0%}, threshold {result.threshold:.0%}); "
        f"{result.current_rows} current rows against the {result.reference_rows} training rows "
        f"of model version {result.model_version}"
    )


def _read_snapshot(
    snapshot: dict[str, Any],
    *,
    threshold: float,
    reference_rows: int,
    current_rows: int,
    model_version: str,
    generated_at: datetime,
) -> DriftResult:
    """Evidently's metrics and test verdicts, as a ``DriftResult``.

    Each metric comes with a test: ``ValueDrift`` per column (fails when the column drifted:
    Evidently knows whether a low p-value or a high distance means drift) and the share of
    drifted columns (fails when at least ``drift_share`` of them drifted).
    """
    status = {test["metric_config"]["metric_id"]: test["status"] for test in snapshot["tests"]}

    def failed(metric: dict[str, Any]) -> bool:
        if metric["id"] not in status:
            raise RuntimeError(f"Evidently's report has no test of {metric['metric_name']}")
        return bool(status[metric["id"]] == "FAIL")

    dataset_drift: bool | None = None
    share = 0.0
    features: dict[str, FeatureDrift] = {}
    for metric in snapshot["metrics"]:
        kind = str(metric["config"]["type"]).rsplit(":", 1)[-1]
        if kind == "DriftedColumnsCount":
            dataset_drift = failed(metric)
            share = float(metric["value"]["share"])
        elif kind == "ValueDrift":
            features[str(metric["config"]["column"])] = FeatureDrift(
                score=float(metric["value"]),
                method=str(metric["config"]["method"]),
                drifted=failed(metric),
            )
    if dataset_drift is None or set(features) != set(FEATURES):
        raise RuntimeError("Evidently's report lacks the drift metrics this check reads")
    return DriftResult(
        drift_detected=dataset_drift,
        drift_share=share,
        threshold=threshold,
        features={name: features[name] for name in FEATURES},
        reference_rows=reference_rows,
        current_rows=current_rows,
        model_version=model_version,
        generated_at=generated_at,
    )
