"""Evaluate a fitted model on held-out rows: metrics, diagnostic plots, feature importance.

Plots are drawn with matplotlib's object API (``Figure`` without ``pyplot``): it renders with the
Agg backend, needs no display and keeps no global state, so evaluation runs the same on a laptop,
in CI and inside an orchestrator's worker.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline

from ..data.ingest import write_parquet_atomically
from ..features.build import DatasetSplit
from ..registry.local import REFERENCE_FILE
from ..runtime import RUNTIME, export
from ..tasks import SKLEARN_SCORERS, TARGET, compute_metrics, plot_diagnostics, predict_columns


@dataclass(frozen=True)
class Evaluation:
    """What evaluation found: metrics on held-out rows, the plot files, feature importance."""

    metrics: dict[str, float]
    plots: dict[str, Path]
    feature_importance: dict[str, float]
    """How much the primary metric worsens when a feature is shuffled, largest first."""
    reference: Path
    """``reference.parquet``: the training rows, their target and the model's predictions."""
    artifacts: dict[str, Path]
    """Files the inference runtime serves from besides the pipeline (``runtime.export``), by name:
    none for scikit-learn; for ONNX Runtime the exported model and the record of its check."""


def evaluate_model(
    model: Pipeline,
    split: DatasetSplit,
    *,
    primary_metric: str,
    out_dir: Path,
    seed: int,
    permutation_repeats: int = 10,
    top_features: int = 15,
) -> Evaluation:
    """Score ``model`` on held-out rows; write its plots and a JSON summary to ``out_dir``.

    The inference runtime's export happens here too, checked on the same held-out rows: a model
    whose export fails or disagrees with scikit-learn stops the run before it is registered.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = compute_metrics(split.y_test, model, split.x_test)
    artifacts = export(model, split.x_test, out_dir)
    importance = permutation_importances(
        model, split, primary_metric=primary_metric, seed=seed, repeats=permutation_repeats
    )
    plots = plot_diagnostics(model, split.x_test, split.y_test, out_dir)
    plots["feature_importance"] = plot_feature_importance(
        importance, out_dir / "feature_importance.png", metric=primary_metric, top=top_features
    )
    summary = {
        "metrics": metrics,
        "feature_importance": importance,
        "runtime": RUNTIME,
        "artifacts": sorted(artifacts),
    }
    (out_dir / "evaluation.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    reference = out_dir / REFERENCE_FILE
    write_parquet_atomically(reference_frame(model, split), reference)
    return Evaluation(
        metrics=metrics,
        plots=plots,
        feature_importance=importance,
        reference=reference,
        artifacts=artifacts,
    )


def reference_frame(model: Pipeline, split: DatasetSplit) -> pd.DataFrame:
    """The training rows as drift detection's reference: features, target and predictions.

    Drift is measured against the data the model learnt from, so the reference is the training
    split (not the held-out rows, which stay available as an independent sample of the same
    distribution). The predictions let a report compare prediction drift as well.
    """
    frame = pd.DataFrame(split.x_train, columns=list(split.features), dtype=np.float64)
    frame[TARGET] = split.y_train
    for name, values in predict_columns(model, split.x_train).items():
        frame[name] = values
    return frame


def permutation_importances(
    model: Pipeline, split: DatasetSplit, *, primary_metric: str, seed: int, repeats: int
) -> dict[str, float]:
    """How much ``primary_metric`` worsens on held-out rows when each feature is shuffled.

    Permutation importance works for any model and speaks the unit of the metric the gate uses,
    unlike raw coefficients, which depend on scaling.
    """
    result = permutation_importance(
        model,
        split.x_test,
        split.y_test,
        scoring=SKLEARN_SCORERS[primary_metric],
        n_repeats=repeats,
        random_state=seed,
    )
    means = np.asarray(result.importances_mean, dtype=np.float64)
    ranked = sorted(zip(split.features, means, strict=True), key=lambda item: -item[1])
    return {name: float(value) for name, value in ranked}


def plot_feature_importance(
    importance: dict[str, float], path: Path, *, metric: str, top: int
) -> Path:
    """Draw a horizontal bar chart of the ``top`` most important features."""
    shown = list(importance.items())[:top]
    names = [name for name, _ in reversed(shown)]
    values = [value for _, value in reversed(shown)]
    figure = Figure(figsize=(7, 0.3 * len(shown) + 1.2), layout="constrained")
    axes = figure.subplots()
    axes.barh(names, values)
    axes.set_xlabel(f"how much {metric} worsens when the feature is shuffled")
    axes.set_title("Permutation feature importance (held-out rows)")
    figure.savefig(path, dpi=100)
    return path
