"""A sample scoring input: the bundled data set without its target, plus a ``row_id`` column.

``make batch`` scores it when no input is given, so batch scoring can be tried right after
``make train``. Run ``python -m <package>.batch.sample [PATH]`` to write it somewhere else.
"""

from pathlib import Path
from typing import Annotated

import typer

from ..data.ingest import write_parquet_atomically
from ..settings import get_settings
from ..tasks import FEATURES, load_dataset
from .score import default_input_path

ID_COLUMN = "row_id"
"""Identifier column of the sample: not a feature, so scoring passes it through."""


def write_sample_input(path: Path) -> Path:
    """Write the sample data's features and a ``row_id`` column to ``path``; return ``path``."""
    frame = load_dataset().loc[:, list(FEATURES)]
    frame.insert(0, ID_COLUMN, range(len(frame)))
    write_parquet_atomically(frame, path)
    return path


def main(
    path: Annotated[
        Path | None,
        typer.Argument(help="Where to write the sample (default: data/batch/input.parquet)."),
    ] = None,
) -> None:
    """Write the sample scoring input."""
    written = write_sample_input(path or default_input_path(get_settings()))
    typer.echo(f"wrote {written}")


if __name__ == "__main__":
    typer.run(main)
