"""Helpers shared by the generator's tests."""

from __future__ import annotations

from pathlib import Path


def tree(root: Path) -> set[str]:
    """Every file under `root`, as POSIX paths relative to it (directories are implied)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def nothing_written(directory: Path) -> bool:
    """True when `directory` holds no file and no leftover staging directory."""
    return not directory.exists() or not any(directory.iterdir())
