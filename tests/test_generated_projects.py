"""Layer 4: generated projects run their own `make setup test` for real, then their pipeline.

The covering set (every value of every option and every valid pair of the interacting options at
least once, from copier.yml) runs by default; `MLOPS_NEW_FULL_MATRIX=1` runs every valid
combination instead (a release check: hours); see `selected_combinations` for CI shards and Python
versions.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from mlops_new import matrix, questions, render
from tests.timings import LAYER4_TIMINGS

QUESTIONNAIRE = questions.load()


def selected_combinations() -> list[dict[str, Any]]:
    """The combinations this run proves.

    By default the covering set. `MLOPS_NEW_FULL_MATRIX=1`: every valid combination.
    `MLOPS_NEW_COMBINATIONS=FILE`: the JSON list in FILE (a CI shard: `mlops-new matrix --shard`).
    `MLOPS_NEW_PYTHON_VERSION=3.12`: each of them generated for that Python version.
    """
    if path := os.environ.get("MLOPS_NEW_COMBINATIONS"):
        combos: list[dict[str, Any]] = json.loads(Path(path).read_text(encoding="utf-8"))
    elif os.environ.get("MLOPS_NEW_FULL_MATRIX") == "1":
        combos = list(matrix.combinations(QUESTIONNAIRE))
    else:
        combos = matrix.covering(QUESTIONNAIRE)
    if version := os.environ.get("MLOPS_NEW_PYTHON_VERSION"):
        combos = [{**combo, "python_version": version} for combo in combos]
    return combos


COMBINATIONS = selected_combinations()


def make(
    project: Path,
    *targets: str,
    timeout: int = 1200,
    times: dict[str, float] | None = None,
    label: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `make TARGETS` in `project`; fail with its output if it fails; record its duration."""
    # Offline after `make setup`: every target but setup runs with uv's network switched off.
    env = {**os.environ, "UV_OFFLINE": "1"} if "setup" not in targets else dict(os.environ)
    env.pop("VIRTUAL_ENV", None)  # the generator's own venv must not leak into the project
    # Some machines (this one among them) set PYTHONDONTWRITEBYTECODE: every Python process then
    # compiles every module it imports from source, which doubles a generated suite's time
    # (Airflow, MLflow and Prefect start subprocesses that import thousands of modules). A
    # developer's machine writes bytecode; so does this run, into the project's own .venv.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    result = subprocess.run(
        ["make", *targets],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if times is not None:
        times[label or " ".join(targets)] = round(time.perf_counter() - started, 1)
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

    times: dict[str, float] = {}
    make(project, "setup", times=times)
    make(project, "test", times=times)
    # The chosen orchestrator's pipeline, locally: it trains, registers and promotes a model.
    ran = make(project, "pipeline", times=times)
    assert "registered version 1" in ran.stdout + ran.stderr
    info = make(project, "info")
    assert "champion: version 1" in info.stdout
    if combo["serving_mode"] in {"batch", "rest_and_batch"}:
        make(project, "batch", times=times)
        assert list((project / "data").rglob("*predictions*.parquet"))
    # Step 6: the alert rules and their unit tests (promtool), as the generated CI runs them. The
    # drift command is the project's own tests' (tests/monitoring/test_drift.py: its command line
    # on held-out and on shifted data).
    make(project, "monitoring-check", times=times)
    if os.environ.get("MLOPS_NEW_DOCKER_BUILD") == "1":
        build_images(project, times)
    LAYER4_TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    with LAYER4_TIMINGS.open("a", encoding="utf-8") as log:
        log.write(json.dumps({"combination": matrix.label(combo), **times}) + "\n")


def build_images(project: Path, times: dict[str, float]) -> None:
    """The generated CI's image job: both targets of the Dockerfile, built by a Docker daemon.

    Asked for with MLOPS_NEW_DOCKER_BUILD=1 where a daemon runs (the generator's GitHub workflow);
    this machine has none, so the local run leaves it to hadolint.
    """
    for target in ("runtime", "training"):
        started = time.perf_counter()
        result = subprocess.run(
            [
                "docker",
                "build",
                "--target",
                target,
                "-f",
                "docker/Dockerfile",
                "-t",
                f"proof:{target}",
                ".",
            ],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        times[f"image {target}"] = round(time.perf_counter() - started, 1)
        assert result.returncode == 0, f"docker build --target {target}:\n{result.stderr[-6000:]}"
