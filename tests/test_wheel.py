"""The wheel ships copier.yml and template/: an installed mlops-new renders offline, identically."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_new import questions, render
from tests.helpers import tree

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the built wheel installed; returns its mlops-new."""
    uv = shutil.which("uv")
    assert uv, "uv is required (the README installs it)"
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(work / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheels = list((work / "dist").glob("mlops_new-*.whl"))
    assert len(wheels) == 1
    venv = work / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheels[0])],
        check=True,
        capture_output=True,
    )
    return venv / "bin" / "mlops-new"


def test_installed_wheel_renders_the_same_project(installed: Path, tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MLOPS_NEW_TEMPLATE", "MLOPS_NEW_TEMPLATE_URL"}
    }
    # Run from an unrelated directory so only the wheel's copy of the template can be found.
    result = subprocess.run(
        [str(installed), "from-wheel", "--no-input", "--no-git", "--no-lock"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    answers = questions.load().resolve({"project_name": "From Wheel"}).answers
    render.render(answers, tmp_path / "from-source")
    wheel_tree = tree(tmp_path / "from-wheel")
    assert wheel_tree == tree(tmp_path / "from-source")
    assert "pyproject.toml" in wheel_tree
    mismatch = [
        f
        for f in sorted(wheel_tree)
        if not filecmp.cmp(tmp_path / "from-wheel" / f, tmp_path / "from-source" / f, shallow=False)
    ]
    # The answers file too: both record the canonical repository at the same release tag.
    assert mismatch == []
