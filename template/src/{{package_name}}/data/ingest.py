"""Ingestion: bring the raw data into the project as a Parquet file.

The sample data ships with scikit-learn, so a new project trains offline on its first command.
To train on your own data, replace ``load_dataset`` in the task module (or this step) with a read
from your source, keep the column names of ``FEATURES`` and ``TARGET``, and the rest of the
pipeline, the schema included, applies unchanged.
"""

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from ..tasks import DATASET_NAME, load_dataset


def raw_data_path(data_dir: Path) -> Path:
    """Where the raw table of the sample data set lives under ``data_dir``."""
    return data_dir / "raw" / f"{DATASET_NAME}.parquet"


def ingest(data_dir: Path) -> Path:
    """Write the sample data set to ``data_dir/raw/<name>.parquet`` and return that path."""
    path = raw_data_path(data_dir)
    write_parquet_atomically(load_dataset(), path)
    return path


def write_parquet_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` so that readers see the old file or the new one, never half.

    The table is written to a temporary file in the same directory, then renamed over ``path``
    (an atomic operation on POSIX file systems).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        frame.to_parquet(temporary, index=False)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def read_table(path: Path) -> pd.DataFrame:
    """Read a Parquet table written by ``ingest`` (or any Parquet file with the same columns)."""
    return pd.read_parquet(path)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file: the version of a data set that a model was trained on."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
