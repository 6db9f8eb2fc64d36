"""The training pipeline as steps that hand files to one another: what orchestrators run.

``pipeline.run_training`` chains the steps in memory, in one process. An orchestrator runs each
step as its own task, in a worker, a subprocess or a container, possibly on another machine and
after a retry. So every step here reads its inputs from files, writes its outputs to files under a
run directory, and returns only small JSON-ready values (paths as strings, a summary dict) that
every orchestrator can pass on: Prefect results, Airflow XComs, Kubeflow parameters.

The steps hold no logic of their own beyond (de)serialising: each one calls the same function of
``pipeline`` that ``train`` runs, so a Prefect flow, an Airflow DAG and a Kubeflow pipeline train
exactly the model the command line trains. Settings come from the environment (``APP_*``,
``MLFLOW_TRACKING_URI``) in every step, as they would in a remote worker.

A run directory holds::

    raw.parquet        the ingested data, as received
    validated.parquet  the rows that passed the schema
    features.joblib    training and held-out arrays
    model.joblib       the fitted pipeline
    evaluation/        evaluation.json, the plots, reference.parquet (drift's reference) and
                       the inference runtime's files (model.onnx with ONNX Runtime)
"""

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

import joblib
import pandas as pd
from sklearn.pipeline import Pipeline

from .. import pipeline
from ..data.ingest import write_parquet_atomically
from ..features.build import DatasetSplit
from ..registry import ModelRecord
from ..registry.local import REFERENCE_FILE
from ..settings import Settings, get_settings
from ..training.evaluate import Evaluation

logger = logging.getLogger(__name__)

STEP_NAMES = (
    "ingest",
    "validate",
    "build_features",
    "train",
    "evaluate",
    "register_and_promote",
)
"""The steps in the order they run; every adapter names its tasks after them."""


class StepFailedError(RuntimeError):
    """A step of ``run_all`` failed; ``step`` names it, the original error is the cause."""

    def __init__(self, step: str, error: Exception) -> None:
        super().__init__(f"step {step!r} failed: {type(error).__name__}: {error}")
        self.step = step


class RegistrationSummary(TypedDict):
    """What ``register_and_promote`` did, as a JSON-ready mapping."""

    version: str
    promoted: bool
    reason: str
    champion_version: str | None
    metric: str
    value: float


def new_run_dir(settings: Settings | None = None) -> str:
    """A fresh directory under ``runs_dir`` for one run: ``<UTC time>-<random suffix>``."""
    settings = get_settings() if settings is None else settings
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = settings.runs_dir / f"{stamp}-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    return str(run_dir)


def ingest(run_dir: str) -> str:
    """Bring the raw data in; return the path of ``raw.parquet`` under ``run_dir``."""
    settings = get_settings()
    source = pipeline.ingest(settings)
    target = _run_path(run_dir, "raw.parquet")
    write_parquet_atomically(pd.read_parquet(source), target)
    return str(target)


def validate(raw_path: str) -> str:
    """Check the raw table against the schema; return the path of ``validated.parquet``."""
    data = pipeline.validate(Path(raw_path))
    target = Path(raw_path).with_name("validated.parquet")
    write_parquet_atomically(data, target)
    return str(target)


def build_features(validated_path: str) -> str:
    """Split validated rows into training and held-out arrays; return ``features.joblib``."""
    settings = get_settings()
    config = pipeline.load_config(settings)
    data = pd.read_parquet(validated_path)
    split = pipeline.build_features(data, split_config=config.split, seed=settings.seed)
    target = Path(validated_path).with_name("features.joblib")
    _dump(split, target)
    return str(target)


def train(features_path: str) -> str:
    """Fit the estimator on the training rows; return the path of ``model.joblib``."""
    settings = get_settings()
    config = pipeline.load_config(settings)
    split = _load_split(features_path)
    model = pipeline.train(split, params=config.model, seed=settings.seed)
    target = Path(features_path).with_name("model.joblib")
    _dump(model, target)
    return str(target)


def evaluate(model_path: str, features_path: str) -> str:
    """Score the model on held-out rows; return the evaluation directory (JSON and plots)."""
    settings = get_settings()
    config = pipeline.load_config(settings)
    out_dir = Path(model_path).with_name("evaluation")
    pipeline.evaluate(
        _load_model(model_path),
        _load_split(features_path),
        settings=_with_reports_dir(settings, out_dir.parent),
        config=config.evaluation,
    )
    logger.info("evaluation written to %s", out_dir)
    return str(out_dir)


def register_and_promote(
    model_path: str, evaluation_dir: str, raw_path: str, validated_path: str
) -> RegistrationSummary:
    """Register the model with its evaluation; promote it if it passes the gate."""
    settings = get_settings()
    config = pipeline.load_config(settings)
    evaluation = _load_evaluation(Path(evaluation_dir))
    dataset = pipeline.describe_dataset(Path(raw_path), pd.read_parquet(validated_path))
    candidate = pipeline.make_candidate(
        _load_model(model_path), evaluation, config=config, seed=settings.seed, dataset=dataset
    )
    outcome = pipeline.register_and_promote(settings, candidate)
    summary = summarize(
        outcome.record,
        outcome.decision.promote,
        outcome.decision.reason,
        outcome.champion,
        metric=settings.primary_metric,
    )
    logger.info("%s", describe(summary))
    return summary


def summarize(
    record: ModelRecord,
    promoted: bool,
    reason: str,
    champion: ModelRecord | None,
    *,
    metric: str,
) -> RegistrationSummary:
    """The JSON-ready summary of a registration, as orchestrators report it."""
    return RegistrationSummary(
        version=record.version,
        promoted=promoted,
        reason=reason,
        champion_version=None if champion is None else champion.version,
        metric=metric,
        value=record.metrics[metric],
    )


def run_all(run_dir: str) -> RegistrationSummary:
    """Every step in order, in this process: the reference every adapter must match.

    A failing step raises ``StepFailedError`` naming it, as an orchestrator names its failed task.
    """
    with _named("ingest"):
        raw = ingest(run_dir)
    with _named("validate"):
        validated = validate(raw)
    with _named("build_features"):
        features = build_features(validated)
    with _named("train"):
        model = train(features)
    with _named("evaluate"):
        evaluation = evaluate(model, features)
    with _named("register_and_promote"):
        return register_and_promote(model, evaluation, raw, validated)


def describe(summary: RegistrationSummary) -> str:
    """One line for people: which version, and whether it became the champion and why."""
    champion = summary["champion_version"] or "none"
    return (
        f"registered version {summary['version']} "
        f"({summary['metric']} = {summary['value']:.4f}); {summary['reason']}; "
        f"champion: version {champion}"
    )


@contextmanager
def _named(step: str) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        raise StepFailedError(step, error) from error


def _run_path(run_dir: str, name: str) -> Path:
    directory = Path(run_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


def _dump(value: object, target: Path) -> None:
    # Write then rename: a retried or killed step never leaves half a file for the next one.
    partial = target.with_name(f".{target.name}.partial")
    joblib.dump(value, partial)
    partial.replace(target)


def _load_split(path: str) -> DatasetSplit:
    split = joblib.load(path)
    if not isinstance(split, DatasetSplit):
        raise TypeError(f"{path} does not hold a dataset split")
    return split


def _load_model(path: str) -> Pipeline:
    model = joblib.load(path)
    if not isinstance(model, Pipeline):
        raise TypeError(f"{path} does not hold a fitted pipeline")
    return model


def _with_reports_dir(settings: Settings, reports_dir: Path) -> Settings:
    # evaluate() writes under <reports_dir>/evaluation; in a run, that is the run directory.
    return settings.model_copy(update={"reports_dir": reports_dir})


def _load_evaluation(directory: Path) -> Evaluation:
    summary = json.loads((directory / "evaluation.json").read_text(encoding="utf-8"))
    plots = {path.stem: path for path in sorted(directory.glob("*.png"))}
    return Evaluation(
        metrics={name: float(value) for name, value in summary["metrics"].items()},
        plots=plots,
        feature_importance={
            name: float(value) for name, value in summary["feature_importance"].items()
        },
        reference=directory / REFERENCE_FILE,
        artifacts={name: directory / name for name in summary.get("artifacts", [])},
    )
