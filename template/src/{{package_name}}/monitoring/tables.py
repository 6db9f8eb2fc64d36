"""Read monitoring data: one Parquet file, or a directory tree of them such as the prediction log.

Drift detection, the performance check and the champion/challenger analysis read the same kinds
of input: a batch file
(``data/batch/input.parquet``) or the service's prediction log (``<day>/<time>-<id>.parquet``
files under ``prediction_log_dir``). Both become one ``DataFrame`` of the requested columns.

The prediction log may hold two predictions for one input: the one returned to the client and,
in shadow mode, the challenger's. Inputs are counted once by keeping the served rows only.
"""

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SERVED_COLUMN = "served"
"""Prediction-log column: True for the prediction returned to the client, False for a shadow one."""


class MonitoringDataError(ValueError):
    """The monitoring input is missing, unreadable or lacks a column; the message says which."""


def parquet_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else every Parquet file below it, oldest name first.

    Hidden and underscore-prefixed names are skipped: writers use them for files in progress.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(
        file
        for file in path.rglob("*.parquet")
        if file.is_file()
        and not any(part.startswith((".", "_")) for part in file.relative_to(path).parts)
    )


def column_names(path: Path) -> list[str]:
    """The columns of the Parquet data at ``path`` (its first file: every file shares a schema).

    Raises ``MonitoringDataError`` when ``path`` holds no readable Parquet file.
    """
    files = parquet_files(path)
    if not files:
        raise MonitoringDataError(f"no Parquet data at {path}")
    try:
        return list(pq.read_schema(files[0]).names)
    except (pa.ArrowInvalid, OSError) as error:
        raise MonitoringDataError(f"{files[0]} is not a readable Parquet file: {error}") from None


def read_frame(path: Path) -> pd.DataFrame:
    """A whole CSV or Parquet file, such as the outcomes that arrive after the predictions.

    Raises ``MonitoringDataError`` when the file is missing or unreadable.
    """
    if not path.is_file():
        raise MonitoringDataError(f"file not found: {path}")
    try:
        if path.suffix.lower() == ".csv":
            # Identifiers stay text: "007" must still match the "007" the service logged.
            return pd.read_csv(path, dtype={"request_id": str})
        return pd.read_parquet(path)
    except (ValueError, OSError) as error:
        raise MonitoringDataError(f"cannot read {path}: {error}") from None


def read_table(path: Path, columns: Sequence[str], *, served_only: bool = True) -> pd.DataFrame:
    """Read ``columns`` from the Parquet file or tree at ``path`` into one ``DataFrame``.

    With ``served_only``, files that have a ``served`` column contribute only their served rows.
    Raises ``MonitoringDataError`` when ``path`` holds no Parquet file, when a file cannot be
    read, or when it lacks one of ``columns``.
    """
    files = parquet_files(path)
    tables = [
        table
        for file in files
        if (table := _read_file(file, columns, served_only=served_only)) is not None
    ]
    if not tables:
        raise MonitoringDataError(f"no Parquet data at {path}")
    # Permissive: a column written as integers in one file and floats in another still stacks.
    frame: pd.DataFrame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    return frame


def _read_file(file: Path, columns: Sequence[str], *, served_only: bool) -> pa.Table | None:
    """The file's ``columns``; ``None`` when it was deleted since the listing (log retention)."""
    try:
        schema = pq.read_schema(file)
        missing = [name for name in columns if name not in schema.names]
        if missing:
            raise MonitoringDataError(
                f"{file} has no column {', '.join(repr(name) for name in missing)}"
            )
        wanted = list(columns)
        filtered = served_only and SERVED_COLUMN in schema.names
        if filtered and SERVED_COLUMN not in wanted:
            wanted.append(SERVED_COLUMN)
        table = pq.read_table(file, columns=wanted)
    except FileNotFoundError:
        return None
    except (pa.ArrowInvalid, OSError) as error:
        raise MonitoringDataError(f"{file} is not a readable Parquet file: {error}") from None
    if filtered:
        table = table.filter(pc.equal(table[SERVED_COLUMN], True))
    return table.select(list(columns))
