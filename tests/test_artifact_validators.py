"""Layer 6 (the part that exists today): real validators on rendered delivery files.

hadolint checks every distinct Dockerfile the answers can produce; check-jsonschema checks the
GitHub workflow and Dependabot files against their published schemas (bundled, offline).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlops_new import matrix, questions, render

QUESTIONNAIRE = questions.load()
# The Dockerfile varies with the Python version and the serving mode; CI files with ci_provider.
DOCKER_AXES = ("python_version", "serving_mode", "experiment_tracking")
DOCKER_COMBOS = matrix.covering(QUESTIONNAIRE, keys=DOCKER_AXES, pairs=(DOCKER_AXES[:2],))


def tool(name: str) -> str:
    # The generator's venv first: `.venv/bin/pytest` does not put its bin/ on PATH.
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert path, f"{name} is a dev dependency of the generator: run `uv sync`"
    return path


def run(*args: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("combo", DOCKER_COMBOS, ids=matrix.label)
def test_dockerfile_passes_hadolint(combo: dict[str, Any], tmp_path: Path) -> None:
    answers = QUESTIONNAIRE.resolve(combo).answers
    project = render.render(answers, tmp_path / "p")
    dockerfile = project / "docker" / "Dockerfile"
    run(tool("hadolint"), "--failure-threshold", "style", str(dockerfile))
    text = dockerfile.read_text()
    assert f"python:{answers['python_version']}" in text
    assert "USER " in text  # never runs as root
    assert ("HEALTHCHECK" in text) == (answers["serving_mode"] != "batch")


def test_github_files_match_their_schemas(tmp_path: Path) -> None:
    answers = QUESTIONNAIRE.resolve({"ci_provider": "github"}).answers
    project = render.render(answers, tmp_path / "p")
    check = tool("check-jsonschema")
    run(
        check,
        "--builtin-schema",
        "vendor.github-workflows",
        str(project / ".github/workflows/ci.yml"),
    )
    run(check, "--builtin-schema", "vendor.dependabot", str(project / ".github/dependabot.yml"))


def test_yaml_files_pass_yamllint(tmp_path: Path) -> None:
    answers = QUESTIONNAIRE.resolve({"ci_provider": "github"}).answers
    project = render.render(answers, tmp_path / "p")
    config = (
        "{extends: default, rules: {line-length: {max: 120}, document-start: disable,"
        " truthy: {check-keys: false}}}"
    )
    files = [str(p) for p in project.rglob("*.y*ml") if ".git" not in p.parts]
    assert len(files) >= 4
    run(tool("yamllint"), "--strict", "-d", config, *files)
