"""A versioned model directory on the local file system.

Layout under the root (``models/`` by default)::

    models/
      champion              the served version's number, replaced atomically
      challenger            the challenger's version number, when one is set (REST service)
      1/
        model.joblib        the fitted scikit-learn pipeline
        metrics.json        held-out metrics
        metadata.json       features, problem type, params, dataset, created_at, git sha
        feature_importance.json
        plots/*.png         evaluation plots
        reference.parquet   training rows and predictions: drift detection's reference data
        model.onnx          the exported model and onnx_check.json, its agreement check, when the
                            project serves with ONNX Runtime (see ``runtime``)

Without MLflow this is the project's registry. With MLflow it is the cache of the promoted
champion: serving and batch scoring read it, so they start without reaching the tracking server,
and keep the last known good model when the server is down.

Every write is atomic: a version directory is filled under a temporary name and renamed into
place, and the ``champion`` file is replaced by a rename. A reader never sees half a version.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import (
    CHALLENGER_ALIAS,
    CHAMPION_ALIAS,
    ModelCandidate,
    ModelNotFoundError,
    ModelRecord,
)
from .provenance import current_git_sha, utc_now

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from ..settings import Settings

MODEL_FILE = "model.joblib"
METRICS_FILE = "metrics.json"
METADATA_FILE = "metadata.json"
IMPORTANCE_FILE = "feature_importance.json"
PLOTS_DIR = "plots"
REFERENCE_FILE = "reference.parquet"

_REGISTER_ATTEMPTS = 20


class LocalModelStore:
    """Model versions numbered 1, 2, 3... in a directory, with a ``champion`` pointer file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalModelStore:
        """The store under ``settings.models_dir``."""
        return cls(settings.models_dir)

    # -- reading -------------------------------------------------------------------------------

    def version_dir(self, version: str) -> Path:
        """The directory of ``version`` (which may not exist)."""
        if not version.isdigit():
            raise ModelNotFoundError(f"invalid model version {version!r}: versions are numbers")
        return self.root / version

    def has(self, version: str) -> bool:
        """Whether ``version`` is stored."""
        return (self.version_dir(version) / METADATA_FILE).is_file()

    def get(self, version: str) -> ModelRecord:
        """Return the record of ``version``; raise ``ModelNotFoundError`` when unknown."""
        directory = self.version_dir(version)
        if not (directory / METADATA_FILE).is_file():
            raise ModelNotFoundError(f"model version {version} not found in {self.root}")
        metadata = _read_json(directory / METADATA_FILE)
        metrics = _read_json(directory / METRICS_FILE)
        return ModelRecord.from_metadata(metadata, metrics=metrics, source=str(directory))

    def versions(self) -> list[ModelRecord]:
        """Every stored version, oldest first."""
        if not self.root.is_dir():
            return []
        numbers = sorted(int(path.name) for path in self.root.iterdir() if path.name.isdigit())
        return [self.get(str(number)) for number in numbers if self.has(str(number))]

    def reference_path(self, version: str) -> Path:
        """Where ``version`` keeps its reference data; absent for versions stored without it."""
        return self.version_dir(version) / REFERENCE_FILE

    def champion_version(self) -> str | None:
        """The champion's version number, or ``None`` before the first promotion.

        Reading one small file is cheap: a server can poll it to notice a new champion.
        """
        return self._read_pointer(CHAMPION_ALIAS)

    def challenger_version(self) -> str | None:
        """The challenger's version number, or ``None`` when no challenger is set (cheap too)."""
        return self._read_pointer(CHALLENGER_ALIAS)

    def challenger(self) -> ModelRecord | None:
        """Return the challenger's record, or ``None`` when no challenger is set."""
        version = self.challenger_version()
        return None if version is None else self.get(version)

    def champion(self) -> ModelRecord | None:
        """Return the champion's record, or ``None`` before the first promotion."""
        version = self.champion_version()
        return None if version is None else self.get(version)

    def load(self, version: str) -> Pipeline:
        """Load the fitted estimator of ``version``.

        joblib files are pickles: load only model directories this project wrote, never files
        from an untrusted source.
        """
        path = self.version_dir(version) / MODEL_FILE
        if not path.is_file():
            raise ModelNotFoundError(f"model version {version} has no {MODEL_FILE} in {self.root}")
        # joblib (half a second to import) is only needed by the scikit-learn runtime and training.
        import joblib

        return joblib.load(path)

    # -- writing -------------------------------------------------------------------------------

    def register(self, candidate: ModelCandidate) -> ModelRecord:
        """Store ``candidate`` as the next version; it does not become the champion."""
        created_at, git_sha = utc_now(), current_git_sha()
        for _ in range(_REGISTER_ATTEMPTS):
            version = str(self._last_version() + 1)
            record = _record_for(candidate, version, created_at=created_at, git_sha=git_sha)
            staging = self._stage(record, candidate)
            try:
                # Renaming onto an existing version fails: a concurrent registration took the
                # number, so take the next one.
                staging.rename(self.root / version)
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
                continue
            return self.get(version)
        raise RuntimeError(f"could not allocate a model version in {self.root}")

    def import_version(self, record: ModelRecord, candidate: ModelCandidate) -> ModelRecord:
        """Store a version registered elsewhere (an MLflow version) under its own number.

        Importing the same version again is a no-op. A different model already stored under
        that number (left over from before MLflow tracked the project) is replaced.
        """
        if self.has(record.version) and self.get(record.version).run_id == record.run_id:
            return self.get(record.version)
        staging = self._stage(record, candidate)
        target = self.version_dir(record.version)
        if target.exists():
            retired = self.root / f".retired-{record.version}-{uuid.uuid4().hex}"
            target.rename(retired)
            shutil.rmtree(retired, ignore_errors=True)
        staging.rename(target)
        return self.get(record.version)

    def promote(self, version: str) -> ModelRecord:
        """Point ``champion`` at ``version`` (atomically) and return its record."""
        record = self.get(version)
        _write_text_atomically(self.root / CHAMPION_ALIAS, f"{version}\n")
        return record

    def set_challenger(self, version: str) -> ModelRecord:
        """Point ``challenger`` at ``version`` (atomically) and return its record."""
        record = self.get(version)
        _write_text_atomically(self.root / CHALLENGER_ALIAS, f"{version}\n")
        return record

    def clear_challenger(self) -> None:
        """Remove the ``challenger`` pointer; nothing happens when there is none."""
        (self.root / CHALLENGER_ALIAS).unlink(missing_ok=True)

    def _read_pointer(self, alias: str) -> str | None:
        try:
            version = (self.root / alias).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return version or None

    def _last_version(self) -> int:
        if not self.root.is_dir():
            return 0
        return max(
            (int(path.name) for path in self.root.iterdir() if path.name.isdigit()), default=0
        )

    def _stage(self, record: ModelRecord, candidate: ModelCandidate) -> Path:
        """Write a complete version directory under a temporary name inside the root."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))
        try:
            import joblib  # on use, as in load

            joblib.dump(candidate.estimator, staging / MODEL_FILE)
            _write_json(staging / METRICS_FILE, record.metrics)
            _write_json(staging / METADATA_FILE, record.to_metadata())
            _write_json(staging / IMPORTANCE_FILE, dict(candidate.feature_importance))
            plots = staging / PLOTS_DIR
            plots.mkdir()
            for name, path in candidate.plots.items():
                shutil.copyfile(path, plots / f"{name}{path.suffix}")
            if candidate.reference is not None:
                shutil.copyfile(candidate.reference, staging / REFERENCE_FILE)
            for name, path in candidate.artifacts.items():
                shutil.copyfile(path, staging / name)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging


def _record_for(
    candidate: ModelCandidate, version: str, *, created_at: str, git_sha: str | None
) -> ModelRecord:
    return ModelRecord(
        version=version,
        problem_type=candidate.problem_type,
        features=candidate.features,
        target=candidate.target,
        metrics=dict(candidate.metrics),
        params=dict(candidate.params),
        created_at=created_at,
        git_sha=git_sha,
        dataset=candidate.dataset,
        source="",
    )


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False, encoding="utf-8"
    ) as stream:
        stream.write(text)
        temporary = Path(stream.name)
    temporary.replace(path)
