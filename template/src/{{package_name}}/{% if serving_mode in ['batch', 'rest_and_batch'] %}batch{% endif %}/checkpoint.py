"""Checkpoints of a batch run: the chunks already scored survive a run that is killed half-way.

A run scores into a work directory beside its output, ``.<output name>.parts/``: one Parquet file
per chunk, named by the chunk's position in the input and renamed into place only once complete.
When the run is killed (a signal, an out-of-memory kill, a lost machine, an orchestrator's
timeout), the chunks it finished stay there; the next run of the same input into the same output
takes them as they are and scores only the rest. Once every chunk is there, the parts are joined
into the output, which is published atomically, and the work directory is removed.

"The same" is written down in the work directory's ``run.json`` (``RunKey``): the input's size,
modification time and Parquet footer digest, the model version and runtime, and the rows per
chunk. If any of them differs, the parts were scored from something else: they are discarded and
the run starts over, so an output never mixes two inputs or two models. A part whose row count is
not its chunk's is scored again.

Only one run writes an output at a time: the run holds an exclusive ``flock`` on the work
directory's lock file, which the system releases when the process ends, however it ends.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# Parquet files end with the footer's length (4 bytes, little-endian) and the magic "PAR1".
_PARQUET_TAIL = 8
_MANIFEST = "run.json"
_LOCK = "lock"


class BatchBusyError(RuntimeError):
    """Another run is writing the same output right now."""


@dataclass(frozen=True)
class RunKey:
    """What must not change between a killed run and the run that resumes it."""

    input_size: int
    input_mtime_ns: int
    input_footer_sha256: str
    model_version: str
    runtime: str
    chunk_rows: int

    @classmethod
    def of(cls, input_path: Path, *, model_version: str, runtime: str, chunk_rows: int) -> "RunKey":
        """The key of scoring ``input_path`` with a model, ``chunk_rows`` rows at a time.

        The footer holds the file's schema, row groups, column offsets and statistics: with the
        size and modification time, a rewritten input is recognised without reading its data.
        """
        status = input_path.stat()
        with input_path.open("rb") as stream:
            stream.seek(-_PARQUET_TAIL, os.SEEK_END)
            footer_length = int.from_bytes(stream.read(4), "little")
            stream.seek(-(_PARQUET_TAIL + footer_length), os.SEEK_END)
            footer = hashlib.sha256(stream.read(footer_length)).hexdigest()
        return cls(
            input_size=status.st_size,
            input_mtime_ns=status.st_mtime_ns,
            input_footer_sha256=footer,
            model_version=model_version,
            runtime=runtime,
            chunk_rows=chunk_rows,
        )


def work_directory(output_path: Path) -> Path:
    """Where the chunks of a run writing ``output_path`` are kept until it is published."""
    return output_path.with_name(f".{output_path.name}.parts")


class Checkpoint:
    """The scored chunks of one run, in its work directory. Use ``Checkpoint.claim``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    @contextlib.contextmanager
    def claim(cls, output_path: Path, key: RunKey) -> Iterator["Checkpoint"]:
        """Lock the work directory of ``output_path`` for this run, keeping parts made with ``key``.

        Raises ``BatchBusyError`` when another run holds it. Parts of a run with another key are
        discarded. The lock is released on exit; the parts stay until ``discard``.
        """
        directory = work_directory(output_path)
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(directory / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BatchBusyError(
                    f"another batch run is writing {output_path} (it holds {directory / _LOCK}): "
                    "wait for it to finish, or write to another output"
                ) from None
            checkpoint = cls(directory)
            checkpoint._keep_only(key)
            yield checkpoint
        finally:
            os.close(descriptor)

    def holds(self, index: int, rows: int) -> bool:
        """Whether chunk ``index`` is already scored, complete with its ``rows`` rows."""
        try:
            found: int = pq.ParquetFile(self._part(index)).metadata.num_rows
        except (OSError, pa.ArrowInvalid):
            return False  # Absent, or cut short by a crash: score it again.
        return found == rows

    def save(self, index: int, table: pa.Table) -> None:
        """Keep the scored chunk ``index``; it appears under its name only once fully written."""
        part = self._part(index)
        partial = part.with_name(f"{part.name}.partial")
        pq.write_table(table, partial, row_group_size=max(table.num_rows, 1))
        partial.replace(part)

    def join(self, chunks: int, destination: Path) -> int:
        """Write chunks ``0..chunks-1`` to ``destination``, one row group each; return the rows.

        Parts are read one at a time, so memory stays that of one chunk.
        """
        writer: pq.ParquetWriter | None = None
        rows = 0
        try:
            for index in range(chunks):
                # ParquetFile.read, not pq.read_table: the latter imports pandas (see columns.py).
                table = pq.ParquetFile(self._part(index)).read()
                if writer is None:
                    writer = pq.ParquetWriter(destination, table.schema)
                writer.write_table(table, row_group_size=max(table.num_rows, 1))
                rows += table.num_rows
        finally:
            if writer is not None:
                writer.close()
        return rows

    def discard(self) -> None:
        """Remove the work directory and every part in it."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def _part(self, index: int) -> Path:
        return self.directory / f"part-{index:06d}.parquet"

    def _keep_only(self, key: RunKey) -> None:
        """Delete the parts unless they were made with ``key``; record ``key`` for the next run."""
        manifest = self.directory / _MANIFEST
        try:
            recorded = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recorded = None
        if recorded == asdict(key):
            return
        for path in self.directory.iterdir():
            if path.name != _LOCK:
                path.unlink()
        partial = manifest.with_name(f"{_MANIFEST}.partial")
        partial.write_text(json.dumps(asdict(key), indent=2) + "\n", encoding="utf-8")
        partial.replace(manifest)
