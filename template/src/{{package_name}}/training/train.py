"""Fit the task's estimator on the training rows."""

from sklearn.pipeline import Pipeline

from ..features.build import DatasetSplit
from ..tasks import ModelParams, build_estimator


def train_model(split: DatasetSplit, params: ModelParams, seed: int) -> Pipeline:
    """Return the task's estimator fitted on ``split``'s training rows.

    The estimator gets ``seed`` and the split was made with the same seed, so the same data,
    configuration and seed always give the same model and the same metrics.
    """
    estimator = build_estimator(params, seed=seed)
    estimator.fit(split.x_train, split.y_train)
    return estimator
