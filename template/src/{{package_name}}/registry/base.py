"""What a model store keeps, and the interface every store implements.

A ``ModelCandidate`` is a freshly trained model with everything learnt about it; registering it
gives a ``ModelRecord``: an immutable version with its metrics and provenance. One version at a
time is the *champion*, the model that serving and batch scoring use. Another may be the
*challenger*, which the REST service tries on a share of the traffic or in shadow beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    # Only named in annotations: serving with ONNX Runtime never imports scikit-learn.
    from sklearn.pipeline import Pipeline

CHAMPION_ALIAS: Final = "champion"
"""Name of the pointer to the served version (an MLflow alias, a file in the local store)."""

CHALLENGER_ALIAS: Final = "challenger"
"""Name of the pointer to the version the REST service compares with the champion."""

JsonScalar = str | int | float | bool | None


class ModelNotFoundError(LookupError):
    """The requested model version does not exist in the store."""


@dataclass(frozen=True)
class DatasetInfo:
    """The data a model was trained on: enough to find it again and to tell if it changed."""

    name: str
    path: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class ModelCandidate:
    """A trained model waiting to be registered, with its evaluation."""

    estimator: Pipeline
    problem_type: str
    features: tuple[str, ...]
    target: str
    metrics: Mapping[str, float]
    params: Mapping[str, JsonScalar]
    dataset: DatasetInfo | None = None
    plots: Mapping[str, Path] = field(default_factory=dict)
    feature_importance: Mapping[str, float] = field(default_factory=dict)
    reference: Path | None = None
    """``reference.parquet``: the training rows and predictions that drift is measured against."""
    artifacts: Mapping[str, Path] = field(default_factory=dict)
    """Files the inference runtime serves from, stored beside the model under these names
    (``model.onnx`` when the project serves with ONNX Runtime)."""


@dataclass(frozen=True)
class ModelRecord:
    """One registered model version and its provenance."""

    version: str
    problem_type: str
    features: tuple[str, ...]
    target: str
    metrics: dict[str, float]
    params: dict[str, JsonScalar]
    created_at: str
    """When the version was registered, ISO 8601 in UTC."""
    git_sha: str | None
    """Commit of the code that trained it, when training ran inside a git checkout."""
    dataset: DatasetInfo | None
    source: str
    """Where the model lives: a directory of the local store or a ``models:/`` URI."""
    run_id: str | None = None
    """The MLflow run that trained it, when MLflow tracks the project."""

    def to_metadata(self) -> dict[str, Any]:
        """JSON-ready metadata: all fields but the metrics and the (store-dependent) source."""
        metadata = asdict(self)
        del metadata["metrics"], metadata["source"]
        metadata["features"] = list(self.features)
        return metadata

    @classmethod
    def from_metadata(
        cls, metadata: Mapping[str, Any], *, metrics: Mapping[str, float], source: str
    ) -> ModelRecord:
        """Rebuild a record from ``to_metadata`` output, its metrics and where it lives."""
        dataset = metadata.get("dataset")
        return cls(
            version=str(metadata["version"]),
            problem_type=str(metadata["problem_type"]),
            features=tuple(str(name) for name in metadata["features"]),
            target=str(metadata["target"]),
            metrics={str(name): float(value) for name, value in metrics.items()},
            params=dict(metadata.get("params", {})),
            created_at=str(metadata["created_at"]),
            git_sha=metadata.get("git_sha"),
            dataset=None if dataset is None else DatasetInfo(**dataset),
            source=source,
            run_id=metadata.get("run_id"),
        )


class ModelStore(Protocol):
    """Versioned model storage with one champion; the local and the MLflow stores implement it."""

    def register(self, candidate: ModelCandidate) -> ModelRecord:
        """Store ``candidate`` as a new version (it does not become the champion)."""
        ...

    def get(self, version: str) -> ModelRecord:
        """Return the record of ``version``; raise ``ModelNotFoundError`` when unknown."""
        ...

    def champion(self) -> ModelRecord | None:
        """Return the champion's record, or ``None`` before the first promotion."""
        ...

    def promote(self, version: str) -> ModelRecord:
        """Make ``version`` the champion and return its record."""
        ...

    def load(self, version: str) -> Pipeline:
        """Load the fitted estimator of ``version``."""
        ...

    def challenger(self) -> ModelRecord | None:
        """Return the challenger's record, or ``None`` when no challenger is set."""
        ...

    def set_challenger(self, version: str) -> ModelRecord:
        """Make ``version`` the challenger and return its record (the champion is unchanged)."""
        ...

    def clear_challenger(self) -> None:
        """Remove the challenger alias, if any: the service then serves the champion only."""
        ...
