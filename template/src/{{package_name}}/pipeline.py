"""The training pipeline as plain, typed steps.

Each step takes and returns ordinary values, so the command line, the tests and orchestrator
adapters (a Prefect flow, an Airflow DAG, a Kubeflow pipeline) compose the same functions::

    config = load_config(settings)
    raw = ingest(settings)
    data = validate(raw)
    split = build_features(data, split_config=config.split, seed=settings.seed)
    model = train(split, params=config.model, seed=settings.seed)
    evaluation = evaluate(model, split, settings=settings, config=config.evaluation)
    candidate = make_candidate(
        model, evaluation, config=config, seed=settings.seed, dataset=describe_dataset(raw, data)
    )
    outcome = register_and_promote(settings, candidate)

``run_training`` runs them all in order. Every step logs what it did (``-v`` on the command line).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

from .config import EvaluationConfig, SplitConfig, TrainConfig, load_train_config
from .data.ingest import file_sha256, read_table
from .data.ingest import ingest as ingest_sample_data
from .data.schema import validate_training_data
from .features.build import DatasetSplit, split_dataset
from .registry import (
    DatasetInfo,
    ModelCandidate,
    ModelRecord,
    ModelStore,
    open_store,
)
from .settings import Settings
from .tasks import (
    DATASET_NAME,
    FEATURES,
    HIGHER_IS_BETTER,
    PROBLEM_TYPE,
    STRATIFY,
    TARGET,
    ModelParams,
)
from .training.evaluate import Evaluation, evaluate_model
from .training.gate import GateDecision, decide_promotion
from .training.train import train_model

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromotionOutcome:
    """What registration and the gate did: the new version, the verdict, the champion after."""

    record: ModelRecord
    decision: GateDecision
    champion: ModelRecord | None

    @property
    def promoted(self) -> bool:
        """Whether the new version became the champion."""
        return self.decision.promote


@dataclass(frozen=True)
class TrainingResult:
    """Everything a training run produced."""

    record: ModelRecord
    decision: GateDecision
    champion: ModelRecord | None
    evaluation: Evaluation
    dataset: DatasetInfo

    @property
    def version(self) -> str:
        """The version this run registered."""
        return self.record.version

    @property
    def metrics(self) -> dict[str, float]:
        """Held-out metrics of the new version."""
        return self.record.metrics

    @property
    def promoted(self) -> bool:
        """Whether the new version became the champion."""
        return self.decision.promote


def load_config(settings: Settings) -> TrainConfig:
    """Read and validate the training configuration that ``settings`` names."""
    return load_train_config(settings.train_config)


def ingest(settings: Settings) -> Path:
    """Step 1: bring the raw data in; return the Parquet file."""
    path = ingest_sample_data(settings.data_dir)
    logger.info("ingested %s", path)
    return path


def validate(raw_path: Path) -> pd.DataFrame:
    """Step 2: read the raw table and check it against the schema; bad data stops here."""
    data = validate_training_data(read_table(raw_path))
    logger.info("validated %d rows x %d columns", len(data), data.shape[1])
    return data


def describe_dataset(raw_path: Path, data: pd.DataFrame) -> DatasetInfo:
    """Name, location, size and checksum of the training data, recorded with the model."""
    return DatasetInfo(
        name=DATASET_NAME, path=str(raw_path), rows=len(data), sha256=file_sha256(raw_path)
    )


def build_features(data: pd.DataFrame, *, split_config: SplitConfig, seed: int) -> DatasetSplit:
    """Step 3: turn validated data into training and held-out arrays."""
    split = split_dataset(
        data,
        features=FEATURES,
        target=TARGET,
        test_size=split_config.test_size,
        seed=seed,
        stratify=STRATIFY,
    )
    logger.info("split: %d training rows, %d held-out rows", split.n_train, split.n_test)
    return split


def train(split: DatasetSplit, *, params: ModelParams, seed: int) -> Pipeline:
    """Step 4: fit the estimator on the training rows."""
    model = train_model(split, params, seed)
    logger.info("trained %s", type(model[-1]).__name__)
    return model


def evaluate(
    model: Pipeline, split: DatasetSplit, *, settings: Settings, config: EvaluationConfig
) -> Evaluation:
    """Step 5: held-out metrics, plots (under ``reports/evaluation``) and feature importance."""
    evaluation = evaluate_model(
        model,
        split,
        primary_metric=settings.primary_metric,
        out_dir=settings.reports_dir / "evaluation",
        seed=settings.seed,
        permutation_repeats=config.permutation_repeats,
        top_features=config.top_features,
    )
    logger.info(
        "held-out %s = %.4f",
        settings.primary_metric,
        evaluation.metrics[settings.primary_metric],
    )
    return evaluation


def make_candidate(
    model: Pipeline,
    evaluation: Evaluation,
    *,
    config: TrainConfig,
    seed: int,
    dataset: DatasetInfo,
) -> ModelCandidate:
    """Bundle a trained model with what is known about it, ready to register."""
    params = {**config.model.model_dump(), "seed": seed, "test_size": config.split.test_size}
    return ModelCandidate(
        estimator=model,
        problem_type=PROBLEM_TYPE,
        features=FEATURES,
        target=TARGET,
        metrics=evaluation.metrics,
        params=params,
        dataset=dataset,
        plots=evaluation.plots,
        feature_importance=evaluation.feature_importance,
        reference=evaluation.reference,
        artifacts=evaluation.artifacts,
    )


def register_and_promote(
    settings: Settings, candidate: ModelCandidate, *, store: ModelStore | None = None
) -> PromotionOutcome:
    """Step 6: register the candidate, then promote it if it passes the gate.

    The champion is read before registering, so the candidate is compared with the model that
    was serving when the run started.
    """
    store = open_store(settings) if store is None else store
    champion = store.champion()
    record = store.register(candidate)
    decision = decide_promotion(
        metric=settings.primary_metric,
        candidate_metrics=record.metrics,
        threshold=settings.metric_threshold,
        higher_is_better=HIGHER_IS_BETTER[settings.primary_metric],
        champion_version=None if champion is None else champion.version,
        champion_metrics=None if champion is None else champion.metrics,
    )
    if decision.promote:
        champion = store.promote(record.version)
    logger.info("version %s: %s", record.version, decision.reason)
    return PromotionOutcome(record=record, decision=decision, champion=champion)


def run_training(settings: Settings, config: TrainConfig | None = None) -> TrainingResult:
    """Run every step: ingest, validate, build features, train, evaluate, register, promote."""
    config = load_config(settings) if config is None else config
    raw_path = ingest(settings)
    data = validate(raw_path)
    dataset = describe_dataset(raw_path, data)
    split = build_features(data, split_config=config.split, seed=settings.seed)
    model = train(split, params=config.model, seed=settings.seed)
    evaluation = evaluate(model, split, settings=settings, config=config.evaluation)
    candidate = make_candidate(
        model, evaluation, config=config, seed=settings.seed, dataset=dataset
    )
    outcome = register_and_promote(settings, candidate)
    return TrainingResult(
        record=outcome.record,
        decision=outcome.decision,
        champion=outcome.champion,
        evaluation=evaluation,
        dataset=dataset,
    )
