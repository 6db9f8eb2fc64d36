"""Load a model once and predict on numpy arrays: shared by REST and batch serving.

Models are read from the local model store under ``settings.models_dir``: the champion, and for
the REST service the challenger. Without MLflow that store is the registry itself; with MLflow,
promotion (and ``challenger set``) exports the model into it. Either way, serving starts without
importing MLflow (about two seconds) or reaching a tracking server, and a request costs one
call of the inference runtime on an array, nothing more: the fitted scikit-learn pipeline, or
with ONNX Runtime the model exported at training (see ``runtime``).

A model's reference data (its training rows, see ``registry.local.REFERENCE_FILE``) is summarised
at load time: the range of each feature, against which the service counts inputs it has never
seen, and the model's predictions on those rows.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from .columns import to_numpy
from .registry.base import CHALLENGER_ALIAS, CHAMPION_ALIAS, ModelNotFoundError, ModelRecord
from .registry.local import LocalModelStore
from .runtime import RUNTIME, load_predictor
from .settings import Settings
from .tasks import FEATURES, PROBLEM_TYPE, predict_columns

logger = logging.getLogger(__name__)

PREDICTION_COLUMN: Final = "prediction"
"""Column of the reference data holding the model's own prediction on each training row."""

_POINTERS: Final[Mapping[str, Callable[[LocalModelStore], str | None]]] = {
    CHAMPION_ALIAS: LocalModelStore.champion_version,
    CHALLENGER_ALIAS: LocalModelStore.challenger_version,
}

_HOW_TO_SET: Final[Mapping[str, str]] = {
    CHAMPION_ALIAS: "train one first (make train)",
    CHALLENGER_ALIAS: "set one first (challenger set VERSION)",
}


class Predictor(Protocol):
    """What serving calls a model through: a scikit-learn pipeline or an ONNX Runtime session.

    Classifiers also have ``predict_proba``; ``tasks.predict_columns`` calls what its task needs.
    """

    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
        """The prediction for each row of ``x``."""
        ...


class ModelUnavailableError(RuntimeError):
    """There is no usable model: none promoted yet, or its files are missing or incompatible."""


@dataclass(frozen=True)
class ReferenceProfile:
    """What serving keeps of a model's reference data: a few arrays, not the rows.

    ``low`` and ``high`` are each feature's minimum and maximum over the training rows (in
    ``FEATURES`` order); ``predictions`` are the model's predictions on those rows.
    """

    low: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    predictions: npt.NDArray[np.float64]


def read_reference_profile(path: Path) -> ReferenceProfile | None:
    """Summarise the reference data at ``path``; ``None`` when the file is absent or unreadable.

    Versions stored before reference data existed have no file: they are served all the same,
    only without the measures that need it.
    """
    if not path.is_file():
        return None
    try:
        table = pq.ParquetFile(path).read(columns=[*FEATURES, PREDICTION_COLUMN])
    except (OSError, ValueError, KeyError, pa.ArrowException) as error:
        logger.warning("cannot read the reference data %s: %s", path, error)
        return None
    if table.num_rows == 0:
        return None
    features = np.column_stack(
        [np.asarray(to_numpy(table.column(name)), dtype=np.float64) for name in FEATURES]
    )
    return ReferenceProfile(
        low=features.min(axis=0),
        high=features.max(axis=0),
        predictions=np.asarray(to_numpy(table.column(PREDICTION_COLUMN)), dtype=np.float64),
    )


@dataclass(frozen=True)
class ServingModel:
    """A loaded model: its predictor, its registry record and the name it serves under."""

    name: str
    record: ModelRecord
    estimator: Predictor
    """The inference runtime's predictor of this version (``runtime.load_predictor``)."""
    reference: ReferenceProfile | None = None
    """The summary of the model's reference data, when the version has some."""

    @property
    def version(self) -> str:
        """Registry version of the model."""
        return self.record.version

    @property
    def runtime(self) -> str:
        """What runs the model: ``sklearn`` or ``onnx`` (the project's ``inference_runtime``)."""
        return RUNTIME

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
        # One vectorised check here lets the runtime skip its own (scikit-learn's is slower).
        if not np.isfinite(x).all():
            raise ValueError("the array contains NaN or infinite values")
        return predict_columns(self.estimator, x)


def load_champion(settings: Settings) -> ServingModel:
    """Load the current champion from the local model store.

    Raises ``ModelUnavailableError`` when there is no champion yet, when its files cannot be
    read, or when it was trained for other features or another problem type than this code
    serves (the request schema is built from the code's feature list, so they must agree).
    """
    return load_model(settings, CHAMPION_ALIAS)


def load_challenger(settings: Settings) -> ServingModel:
    """Load the current challenger from the local model store, under the same checks."""
    return load_model(settings, CHALLENGER_ALIAS)


def load_model(settings: Settings, alias: str) -> ServingModel:
    """Load the version ``alias`` (``champion`` or ``challenger``) points at in the local store."""
    store = LocalModelStore.from_settings(settings)
    try:
        version = _POINTERS[alias](store)
        record = None if version is None else store.get(version)
    except (ModelNotFoundError, OSError, ValueError, KeyError) as error:
        raise ModelUnavailableError(f"cannot read the {alias} in {store.root}: {error}") from None
    if record is None:
        raise ModelUnavailableError(f"no {alias} model in {store.root}: {_HOW_TO_SET[alias]}")
    if record.problem_type != PROBLEM_TYPE:
        raise ModelUnavailableError(
            f"{alias} version {record.version} is a {record.problem_type} model, "
            f"this project serves {PROBLEM_TYPE}"
        )
    if tuple(record.features) != FEATURES:
        raise ModelUnavailableError(
            f"{alias} version {record.version} was trained on other features than this code "
            "serves: retrain it (make train)"
        )
    try:
        estimator = load_predictor(store, record.version)
    except (ModelNotFoundError, OSError, ValueError, EOFError) as error:
        raise ModelUnavailableError(
            f"cannot load {alias} version {record.version}: {error}"
        ) from None
    reference = read_reference_profile(store.reference_path(record.version))
    logger.info("loaded %s %s version %s (%s)", alias, settings.model_name, record.version, RUNTIME)
    return ServingModel(
        name=settings.model_name, record=record, estimator=estimator, reference=reference
    )


def champion_version(settings: Settings) -> str | None:
    """The champion's version number, read from one small file; ``None`` before any promotion.

    Cheap enough to poll: the REST service uses it to notice a newly promoted model.
    """
    return LocalModelStore.from_settings(settings).champion_version()


def challenger_version(settings: Settings) -> str | None:
    """The challenger's version number (one small file); ``None`` when no challenger is set."""
    return LocalModelStore.from_settings(settings).challenger_version()
