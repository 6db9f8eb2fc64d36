"""Helpers shared by the generator's tests."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")

# libyaml's parser where PyYAML was built with it: the same documents, ten times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def tree(root: Path) -> set[str]:
    """Every file under `root`, as POSIX paths relative to it (directories are implied)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def nothing_written(directory: Path) -> bool:
    """True when `directory` holds no file and no leftover staging directory."""
    return not directory.exists() or not any(directory.iterdir())


@functools.lru_cache(maxsize=256)
def parse_yaml(text: str) -> Any:
    """One YAML document, parsed once per distinct text (the matrix repeats most files)."""
    return yaml.load(text, Loader=YAML_LOADER)


def spread_out(items: Sequence[T], chosen: Sequence[T], share: float) -> list[T]:
    """`items` with each of `chosen` moved to evenly spaced places within the first `share`."""
    chosen_ones = set(chosen)
    rest = [item for item in items if item not in chosen_ones]
    step = share * len(rest) / len(chosen) if chosen else 0.0
    spread: list[T] = []
    for index, item in enumerate(chosen):
        # Before the index-th chosen item: the rest up to its place.
        spread += rest[len(spread) - index : round(index * step)]
        spread.append(item)
    return spread + rest[len(spread) - len(chosen) :]
