"""The generator's checkout ships every template file it has on disk.

The template carries its own ``.gitignore`` for generated projects, and git applies it inside
``template/`` too: a template file matched by it (``.env.example.jinja`` by ``.env.*``) stays on the
author's disk, so local renders pass, but is missing from every clone, CI run and release.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.helpers import spread_out

ROOT = Path(__file__).resolve().parent.parent


def test_no_template_file_is_ignored_by_git() -> None:
    git = shutil.which("git")
    assert git, "git is required to check the checkout"
    ignored = subprocess.run(
        [git, "ls-files", "--others", "--ignored", "--exclude-standard", "--", "template"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # Caches written by tools are fine; template sources are not.
    sources = [path for path in ignored if "__pycache__" not in path]
    assert sources == [], f"template files ignored by git (use `git add -f`): {sources}"


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_the_generators_workflows_pass_check_jsonschema_and_actionlint() -> None:
    from tests.artifact_checks import run, tool

    assert [path.name for path in WORKFLOWS] == ["ci.yml"]
    run(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, WORKFLOWS),
    )
    shellcheck_dir = str(Path(tool("shellcheck")).parent)
    env = {**os.environ, "PATH": f"{shellcheck_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    run(tool("actionlint"), *map(str, WORKFLOWS), cwd=ROOT, env=env)


def test_the_workflow_takes_every_option_value_from_copier_yml() -> None:
    """No second list: the jobs read `mlops-new matrix` and `mlops-new options`, never a value."""
    from mlops_new import matrix, questions

    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    values = {
        str(combo[key])
        for combo in matrix.combinations(questions.load())
        for key in ("orchestrator", "deploy_target", "python_version")
    }
    named = sorted(
        value for value in values if re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w.-])", code)
    )
    assert named == []
    assert "mlops-new matrix --shard" in code
    assert "MLOPS_NEW_PYTHON_VERSION" in code and "MLOPS_NEW_COMBINATIONS" in code
    assert "uv run pytest -n auto" in code, "the suite job runs the README's command"


def test_a_parallel_run_spreads_the_slow_tests_over_its_first_part() -> None:
    items = [f"fast{i}" for i in range(1000)] + [f"slow{i}" for i in range(12)]
    slow = [item for item in items if item.startswith("slow")]

    ordered = spread_out(items, slow, share=0.6)

    assert sorted(ordered) == sorted(items)
    places = [ordered.index(item) for item in slow]
    assert places == sorted(places)
    assert places[0] == 0
    assert places[-1] <= 0.6 * len(items)
    gaps = {after - before for before, after in itertools.pairwise(places)}
    assert max(gaps) - min(gaps) <= 1
    # The fast tests keep their order (pytest's order keeps module fixtures together).
    assert [item for item in ordered if item.startswith("fast")] == items[:1000]
