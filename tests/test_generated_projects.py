"""Layer 4: generated projects run their own `make setup test` for real, then train and score.

The covering set (every value of every option at least once, from copier.yml) runs by default;
`MLOPS_NEW_FULL_MATRIX=1` runs every valid combination instead (a release check: hours).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mlops_new import matrix, questions, render

QUESTIONNAIRE = questions.load()
COMBINATIONS = (
    list(matrix.combinations(QUESTIONNAIRE))
    if os.environ.get("MLOPS_NEW_FULL_MATRIX") == "1"
    else matrix.covering(QUESTIONNAIRE)
)


def make(project: Path, *targets: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    # Offline after `make setup`: every target but setup runs with uv's network switched off.
    env = {**os.environ, "UV_OFFLINE": "1"} if "setup" not in targets else dict(os.environ)
    env.pop("VIRTUAL_ENV", None)  # the generator's own venv must not leak into the project
    result = subprocess.run(
        ["make", *targets],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"make {' '.join(targets)} failed in {project}:\n"
        f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    )
    return result


@pytest.mark.slow
@pytest.mark.parametrize("combo", COMBINATIONS, ids=matrix.label)
def test_generated_project_passes_its_own_suite(combo: dict[str, Any], tmp_path: Path) -> None:
    answers = QUESTIONNAIRE.resolve({"project_name": "Proof Project", **combo}).answers
    project = render.render(answers, tmp_path / "proof-project")

    make(project, "setup")
    make(project, "test")
    trained = make(project, "train")
    assert "champion" in trained.stdout.lower()
    if combo["serving_mode"] in {"batch", "rest_and_batch"}:
        make(project, "batch")
        assert list((project / "data").rglob("*predictions*.parquet"))
