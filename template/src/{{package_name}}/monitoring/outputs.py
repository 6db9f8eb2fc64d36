"""Write a monitoring job's files so that no reader ever sees half of one.

The drift and performance checks write their reports where people, web servers and metric
collectors read them, possibly while the next check runs.
"""

import uuid
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8): readers see the old file or the new one, never a mix.

    The text goes to a unique hidden name in the same directory, which is then renamed over
    ``path``; a rename within one file system is atomic.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
