"""Load the champion model once and predict on numpy arrays: shared by REST and batch serving.

The champion is read from the local model store under ``settings.models_dir``. Without MLflow that
store is the registry itself; with MLflow, promotion exports the champion into it. Either way,
serving starts without importing MLflow (about two seconds) or reaching a tracking server, and a
request costs a scikit-learn call on an array, nothing more.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import sklearn
from sklearn.pipeline import Pipeline

from .registry.base import ModelNotFoundError, ModelRecord
from .registry.local import LocalModelStore
from .settings import Settings
from .tasks import FEATURES, PROBLEM_TYPE, predict_columns

logger = logging.getLogger(__name__)


class ModelUnavailableError(RuntimeError):
    """There is no usable champion: none promoted yet, or its files are missing or incompatible."""


@dataclass(frozen=True)
class ServingModel:
    """A loaded champion: the fitted pipeline, its registry record and the name it serves under."""

    name: str
    record: ModelRecord
    estimator: Pipeline

    @property
    def version(self) -> str:
        """Registry version of the model."""
        return self.record.version

    @property
    def features(self) -> tuple[str, ...]:
        """Input columns, in the order of the columns of ``predict``'s array."""
        return self.record.features

    @property
    def metrics(self) -> Mapping[str, float]:
        """Held-out metrics measured when the model was trained."""
        return self.record.metrics

    @property
    def trained_at(self) -> str:
        """When the model was registered, ISO 8601 in UTC."""
        return self.record.created_at

    def predict(self, x: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[Any]]:
        """Predict for the rows of ``x`` (one column per feature, in ``features`` order).

        Returns the task's output columns (always ``prediction``; for classification also
        ``probability``), each an array with one value per row. Raises ``ValueError`` for an
        array of the wrong shape or with non-finite values.
        """
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(
                f"expected an array of shape (rows, {len(self.features)}), got {x.shape}"
            )
        if x.shape[0] == 0:
            # scikit-learn refuses empty arrays; predicting one row of zeros and keeping none of
            # it gives empty columns of the right names and dtypes (an empty batch file still
            # gets a well-typed output file).
            probe = predict_columns(self.estimator, np.zeros((1, x.shape[1]), dtype=np.float64))
            return {name: values[:0] for name, values in probe.items()}
        # One vectorised check here lets scikit-learn skip its own (slower) finiteness check,
        # which is a measurable share of the time of a one-row prediction.
        if not np.isfinite(x).all():
            raise ValueError("the array contains NaN or infinite values")
        with sklearn.config_context(assume_finite=True):
            return predict_columns(self.estimator, x)


def load_champion(settings: Settings) -> ServingModel:
    """Load the current champion from the local model store.

    Raises ``ModelUnavailableError`` when there is no champion yet, when its files cannot be
    read, or when it was trained for other features or another problem type than this code
    serves (the request schema is built from the code's feature list, so they must agree).
    """
    store = LocalModelStore.from_settings(settings)
    try:
        record = store.champion()
    except (ModelNotFoundError, OSError, ValueError, KeyError) as error:
        raise ModelUnavailableError(f"cannot read the champion in {store.root}: {error}") from None
    if record is None:
        raise ModelUnavailableError(
            f"no champion model in {store.root}: train one first (make train)"
        )
    if record.problem_type != PROBLEM_TYPE:
        raise ModelUnavailableError(
            f"champion version {record.version} is a {record.problem_type} model, "
            f"this project serves {PROBLEM_TYPE}"
        )
    if tuple(record.features) != FEATURES:
        raise ModelUnavailableError(
            f"champion version {record.version} was trained on other features than this code "
            "serves: retrain it (make train)"
        )
    try:
        estimator = store.load(record.version)
    except (ModelNotFoundError, OSError, ValueError, EOFError) as error:
        raise ModelUnavailableError(
            f"cannot load champion version {record.version}: {error}"
        ) from None
    logger.info("loaded champion %s version %s", settings.model_name, record.version)
    return ServingModel(name=settings.model_name, record=record, estimator=estimator)


def champion_version(settings: Settings) -> str | None:
    """The champion's version number, read from one small file; ``None`` before any promotion.

    Cheap enough to poll: the REST service uses it to notice a newly promoted model.
    """
    return LocalModelStore.from_settings(settings).champion_version()
