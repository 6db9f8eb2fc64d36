"""Feature/target split, train/test split and the preprocessing every model starts with.

The model is trained on plain ``float64`` arrays whose columns follow the task's ``FEATURES``
order. Serving and batch scoring send arrays in the same order, so scikit-learn never has to
match column names at prediction time (and never warns about them).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

FloatArray = npt.NDArray[np.float64]
"""A two-dimensional feature matrix, one column per feature."""


@dataclass(frozen=True)
class DatasetSplit:
    """Training and held-out rows, as arrays in ``features`` order."""

    features: tuple[str, ...]
    x_train: FloatArray
    x_test: FloatArray
    y_train: npt.NDArray[Any]
    y_test: npt.NDArray[Any]

    @property
    def n_train(self) -> int:
        """Number of training rows."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of held-out rows."""
        return int(self.x_test.shape[0])


def to_feature_matrix(data: pd.DataFrame, features: Sequence[str]) -> FloatArray:
    """Select ``features`` in order and return them as a contiguous ``float64`` matrix."""
    return np.ascontiguousarray(data.loc[:, list(features)].to_numpy(dtype=np.float64))


def split_dataset(
    data: pd.DataFrame,
    *,
    features: Sequence[str],
    target: str,
    test_size: float,
    seed: int,
    stratify: bool,
) -> DatasetSplit:
    """Split ``data`` into training and held-out rows.

    Stratifying keeps the class balance of a classification target identical in both parts, so
    the held-out metrics that feed the promotion gate are not skewed by an unlucky split.
    """
    x = to_feature_matrix(data, features)
    y = data[target].to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )
    return DatasetSplit(
        features=tuple(features),
        x_train=x_train,
        x_test=x_test,
        y_train=y_train,
        y_test=y_test,
    )


def build_preprocessor() -> StandardScaler:
    """Return the preprocessing step of every model: standardisation of the numeric features.

    Both linear models need comparable feature scales for their regularisation to be fair, and a
    scaler converts to ONNX, so the served model can run without scikit-learn if needed.
    """
    return StandardScaler()
