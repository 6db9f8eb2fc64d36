"""Durations of the generated projects' own commands, printed at the end of a run.

Layer 4 is the slowest layer; its figures (how long `make setup`, `make test`, `make pipeline`
take per combination) are worth seeing on every run. Each test appends one JSON line (pytest-xdist
workers write to the same file); the controller prints them as a table.
"""

from __future__ import annotations

import json
from pathlib import Path

LAYER4_TIMINGS = Path(__file__).resolve().parent.parent / "build" / "layer4-timings.jsonl"


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
