"""Batch scoring: Parquet in, Parquet out, in chunks, with the champion model.

Memory stays bounded whatever the size of the input: the file is read ``batch_chunk_rows`` rows at
a time (``pre_buffer=False`` stops pyarrow from reading whole column chunks ahead), each chunk is
checked against the rules of the project's feature schema, predicted as one array and kept as its
own row group. Columns that are not features (an id, a timestamp, the true target) are passed
through unchanged, so every prediction can be joined back to its row.

A run is resumable and idempotent. Each scored chunk is kept on disk as it is done (see
``checkpoint``): a run killed half-way and started again scores only the chunks it had not
finished, and gives the same output as a run that was never interrupted, each row once. The output
appears atomically: the chunks are joined into a temporary file in the destination directory,
which is renamed over the destination only once complete. A failure leaves no partial output and
an existing output untouched; an input that breaks the schema also leaves no chunks behind.
"""

import contextlib
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from ..columns import to_arrow, to_numpy
from ..inference import ServingModel, load_champion
from ..settings import Settings
from ..tasks import ALLOWED_VALUES, VALUE_RANGES
from .checkpoint import Checkpoint, RunKey


class BatchInputError(ValueError):
    """The input cannot be scored: missing file or column, or values that break the schema."""


@dataclass(frozen=True)
class BatchSummary:
    """What a scoring run did."""

    input_path: Path
    output_path: Path
    rows: int
    chunks: int
    seconds: float
    model_version: str
    runtime: str
    """What ran the model: ``sklearn`` or ``onnx``."""
    resumed_chunks: int
    """Chunks taken as they were from an interrupted run of the same input, instead of scored."""

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        summary = asdict(self)
        summary["input_path"] = str(self.input_path)
        summary["output_path"] = str(self.output_path)
        return summary


def default_input_path(settings: Settings) -> Path:
    """Where ``batch`` reads when no input is given: ``<data_dir>/batch/input.parquet``."""
    return settings.data_dir / "batch" / "input.parquet"


def default_output_path(settings: Settings) -> Path:
    """Where ``batch`` writes when no output is given: ``<data_dir>/batch/predictions.parquet``."""
    return settings.data_dir / "batch" / "predictions.parquet"


def score_file(
    input_path: Path,
    output_path: Path,
    settings: Settings,
    *,
    model: ServingModel | None = None,
    chunk_rows: int | None = None,
) -> BatchSummary:
    """Score every row of the Parquet file ``input_path`` into ``output_path``.

    The output holds the input's non-feature columns, then the task's prediction columns, one
    row per input row in input order. ``model`` defaults to the champion (loaded once);
    ``chunk_rows`` to ``settings.batch_chunk_rows``. Raises ``BatchInputError`` for an input that
    cannot be scored and ``ModelUnavailableError`` when there is no champion.
    """
    started = time.perf_counter()
    if not input_path.is_file():
        raise BatchInputError(f"input file not found: {input_path}")
    serving_model = model if model is not None else load_champion(settings)
    rows_per_chunk = chunk_rows if chunk_rows is not None else settings.batch_chunk_rows

    output_path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory, so the final rename cannot cross file systems; created by the Parquet
    # writer, so it gets the usual permissions (a ``mkstemp`` file would be its owner's only).
    temporary = output_path.with_name(f".{output_path.name}.{uuid.uuid4().hex}.partial")
    with _open_parquet(input_path) as source:
        key = RunKey.of(
            input_path,
            model_version=serving_model.version,
            runtime=serving_model.runtime,
            chunk_rows=rows_per_chunk,
        )
        with Checkpoint.claim(output_path, key) as checkpoint:
            try:
                chunks, resumed = _score_chunks(
                    source, serving_model, checkpoint, rows_per_chunk, input_path
                )
                rows = checkpoint.join(max(chunks, 1), temporary)
                expected = source.metadata.num_rows
                if rows != expected:
                    # Cannot happen with a sound reader; checked because a short output would
                    # otherwise be silently published as complete.
                    raise RuntimeError(f"scored {rows} rows but {input_path} has {expected}")
                _publish(temporary, output_path)
            except BatchInputError:
                # The input itself is at fault: its chunks are of no use to the next run.
                checkpoint.discard()
                raise
            finally:
                temporary.unlink(missing_ok=True)
            checkpoint.discard()
    return BatchSummary(
        input_path=input_path,
        output_path=output_path,
        rows=rows,
        chunks=chunks,
        seconds=round(time.perf_counter() - started, 3),
        model_version=serving_model.version,
        runtime=serving_model.runtime,
        resumed_chunks=resumed,
    )


def _open_parquet(path: Path) -> pq.ParquetFile:
    """Open ``path`` for chunked reading; a file that is not Parquet is a ``BatchInputError``."""
    try:
        return pq.ParquetFile(path, pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as error:
        raise BatchInputError(f"{path} is not a readable Parquet file: {error}") from None


def _score_chunks(
    source: pq.ParquetFile,
    model: ServingModel,
    checkpoint: Checkpoint,
    rows_per_chunk: int,
    input_path: Path,
) -> tuple[int, int]:
    """Score the chunks of ``source`` that ``checkpoint`` lacks; return (chunks, resumed)."""
    names: list[str] = list(source.schema_arrow.names)
    missing = [feature for feature in model.features if feature not in names]
    if missing:
        raise BatchInputError(
            f"{input_path} has no column {', '.join(repr(name) for name in missing)}: "
            f"every feature is required ({', '.join(model.features)})"
        )
    passthrough = [name for name in names if name not in model.features]

    first_row = chunks = resumed = 0
    for batch in source.iter_batches(batch_size=rows_per_chunk):
        if checkpoint.holds(chunks, batch.num_rows):
            resumed += 1
        else:
            table = _score_chunk(
                batch, model, passthrough, first_row=first_row, input_path=input_path
            )
            checkpoint.save(chunks, table)
        first_row += batch.num_rows
        chunks += 1
    if chunks == 0:
        # An empty input still gets an output, with the same columns and types.
        empty = source.schema_arrow.empty_table()
        table = _score_chunk(empty, model, passthrough, first_row=0, input_path=input_path)
        checkpoint.save(0, table)
    return chunks, resumed


def _score_chunk(
    chunk: pa.RecordBatch | pa.Table,
    model: ServingModel,
    passthrough: list[str],
    *,
    first_row: int,
    input_path: Path,
) -> pa.Table:
    """Validate and predict one chunk; return its passthrough columns and predictions."""
    matrix = _checked_matrix(chunk, model.features)
    if matrix is None:
        last_row = first_row + max(chunk.num_rows - 1, 0)
        raise BatchInputError(
            f"{input_path}, rows {first_row} to {last_row}: {_explain(chunk, model.features)}"
        )
    outputs = model.predict(matrix)
    clashes = [name for name in outputs if name in passthrough]
    if clashes:
        raise BatchInputError(
            f"{input_path} already has column(s) {', '.join(map(repr, clashes))}, which the "
            "predictions would overwrite: rename them"
        )
    columns = [chunk.column(name) for name in passthrough]
    columns += [to_arrow(values) for values in outputs.values()]
    return pa.Table.from_arrays(columns, names=[*passthrough, *outputs])


def _checked_matrix(
    chunk: pa.RecordBatch | pa.Table, features: Sequence[str]
) -> npt.NDArray[np.float64] | None:
    """The chunk's features as a ``float64`` matrix, or ``None`` if a value breaks the schema.

    The rules are those of ``data.schema`` (finite, no missing value, inside ``VALUE_RANGES``, one
    of ``ALLOWED_VALUES``), checked on the whole matrix at once: about ten times faster than the
    pandera schema, with a fraction of its memory. The schema itself only runs on a chunk that
    fails, to say exactly what is wrong (see ``_explain``).
    """
    try:
        # Number columns without nulls convert without a copy; nulls become NaN.
        columns = [np.asarray(to_numpy(chunk.column(name)), dtype=np.float64) for name in features]
    except (ValueError, TypeError, pa.ArrowException):
        return None  # Text or another type that is not a number.
    matrix = np.empty((chunk.num_rows, len(features)), dtype=np.float64)
    for index, values in enumerate(columns):
        matrix[:, index] = values
    if not np.isfinite(matrix).all():
        return None
    for index, name in enumerate(features):
        values = matrix[:, index]
        if name in VALUE_RANGES:
            low, high = VALUE_RANGES[name]
            if values.min(initial=low) < low or values.max(initial=high) > high:
                return None
        if name in ALLOWED_VALUES and not np.isin(values, ALLOWED_VALUES[name]).all():
            return None
    return matrix


def _explain(chunk: pa.RecordBatch | pa.Table, features: Sequence[str]) -> str:
    """Say which columns and values of a failing chunk break the schema, and how."""
    # Imported on failure only: pandera costs a fifth of a second of every run's start-up.
    from ..data.schema import DataValidationError, validate_features

    # Without the schema metadata, pandas builds a plain index for the chunk instead of trying
    # to restore the whole file's index from metadata written by pandas.
    frame = chunk.select(list(features)).replace_schema_metadata(None).to_pandas()
    try:
        validate_features(frame)
    except DataValidationError as error:
        return str(error)
    # The schema accepted what the fast check refused: report the fast check's rule.
    return "the features must be finite numbers inside their plausible ranges"


def _publish(temporary: Path, destination: Path) -> None:
    """Flush ``temporary`` to disk, then rename it over ``destination`` (atomic on POSIX).

    Without the flush, a crash right after the rename could leave an empty file under the final
    name on some file systems.
    """
    descriptor = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    temporary.replace(destination)
    # Persist the rename itself; not every platform can open a directory, hence the guard.
    with contextlib.suppress(OSError):
        directory = os.open(destination.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
