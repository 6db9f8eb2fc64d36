"""Durations of the generated projects' own commands, printed at the end of a run.

Layer 4 is the slowest layer; its figures (how long `make setup`, `make test`, `make pipeline`
take per combination) are worth seeing on every run. Each test appends one JSON line (pytest-xdist
workers write to the same file); the controller prints them as a table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

BUILD = Path(__file__).resolve().parent.parent / "build"
LAYER4_TIMINGS = BUILD / "layer4-timings.jsonl"
# One line per test worker: how many combinations it validated, and the distinct inputs per tool.
VALIDATIONS = BUILD / "artifact-validations.jsonl"


def record_validations(combinations: int, validated: Mapping[str, int]) -> None:
    """Append one worker's counts of artifact validations (see tests/artifact_checks.py)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with VALIDATIONS.open("a", encoding="utf-8") as log:
        log.write(json.dumps({"combinations": combinations, "validated": dict(validated)}) + "\n")


def validations_table() -> list[str]:
    """Combinations whose artifacts were validated, and the validator runs per tool."""
    if not VALIDATIONS.exists():
        return []
    rows = [json.loads(line) for line in VALIDATIONS.read_text(encoding="utf-8").splitlines()]
    combinations = sum(row["combinations"] for row in rows)
    totals: dict[str, int] = {}
    for row in rows:
        for name, count in row["validated"].items():
            totals[name] = totals.get(name, 0) + count
    lines = [
        f"{combinations} rendered combinations had every artifact validated; distinct inputs "
        "validated per tool (summed over test workers):"
    ]
    lines += [f"  {name:<45} {count:>6}" for name, count in sorted(totals.items())]
    return lines


def table() -> list[str]:
    """The recorded durations, one line per generated project, in seconds."""
    if not LAYER4_TIMINGS.exists():
        return []
    rows = [json.loads(line) for line in LAYER4_TIMINGS.read_text(encoding="utf-8").splitlines()]
    targets = ["setup", "test", "pipeline", "batch"]
    lines = [f"{'combination':<70} " + " ".join(f"{t:>9}" for t in targets)]
    for row in sorted(rows, key=lambda r: r["combination"]):
        cells = " ".join(f"{row[t]:>9.1f}" if t in row else f"{'-':>9}" for t in targets)
        lines.append(f"{row['combination']:<70} {cells}")
    return lines
