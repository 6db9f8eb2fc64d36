"""Free-text answers with quotes, backslashes, non-ASCII and template syntax land literally."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pytest_copie.plugin import Copie

from mlops_new import questions, render
from tests import static_checks
from tests.artifact_checks import YAMLLINT_CONFIG_LONG_NAMES, ArtifactValidators

HOSTILE: dict[str, Any] = {
    "project_name": 'Ünïcode "Quoted" \\ O\'Brien {{ 7*7 }} {% raw %}',
    "description": "Says \"hi\" \\n: # not a comment {{ 7*7 }} {%- if x %} [a, b] {c: d} 'q' ✓",
    "author_name": 'Zoë "Z" O\'Connor \\ {{ 7*7 }}',
    "author_email": "zoe.o-connor+ml@example.co.uk",
}


@pytest.mark.parametrize(
    "overrides",
    [
        {"serving_mode": "rest_and_batch", "ci_provider": "github"},
        {"serving_mode": "batch", "ci_provider": "none", "license": "apache-2.0"},
    ],
    ids=["full", "minimal"],
)
def test_hostile_text_is_kept_literally(tmp_path: Path, overrides: dict[str, Any]) -> None:
    answers = questions.load().resolve({**HOSTILE, **overrides}).answers
    assert answers["project_slug"] == "n-code-quoted-o-brien-7-7-raw"
    project = render.render(answers, tmp_path / "p")

    static_checks.assert_texts_kept(project, answers, HOSTILE)
    # Template syntax in an answer is text, never evaluated.
    everything = "".join(p.read_text(encoding="utf-8") for p in static_checks.text_files(project))
    assert "{{ 7*7 }}" in everything
    assert " 49 " not in everything


# Every orchestrator, both deploy targets and both CI providers at least once.
LONG_NAME_OPTIONS = [
    ("none", "compose", "github"),
    ("none", "kubernetes", "gitlab"),
    ("prefect", "compose", "gitlab"),
    ("prefect", "kubernetes", "github"),
    ("airflow", "compose", "github"),
    ("airflow", "kubernetes", "gitlab"),
    ("kubeflow", "kubernetes", "github"),
]


@pytest.mark.parametrize(("orchestrator", "deploy_target", "ci_provider"), LONG_NAME_OPTIONS)
def test_longest_allowed_names_still_pass_every_check(
    orchestrator: str, deploy_target: str, ci_provider: str, tmp_path: Path
) -> None:
    """A 63-character slug and package name must not push generated lines over any limit.

    ruff's (Python, and Python blocks in Markdown), with every artifact validated; yamllint's
    line length is checked with names of ordinary length only (see artifact_checks).
    """
    slug = "an-extraordinarily-long-project-slug-that-is-exactly-63-chars-x"
    assert len(slug) == 63
    answers = (
        questions.load()
        .resolve(
            {
                "project_slug": slug,
                # Batch and REST together: every optional module, so every line naming the package.
                "serving_mode": "rest_and_batch",
                "orchestrator": orchestrator,
                "deploy_target": deploy_target,
                "ci_provider": ci_provider,
            }
        )
        .answers
    )
    assert len(answers["package_name"]) == 63
    project = render.render(answers, tmp_path / "project")
    static_checks.compile_python(project)
    static_checks.ruff(project)
    ArtifactValidators(yamllint_config=YAMLLINT_CONFIG_LONG_NAMES).validate(project)


def test_plain_copier_renders_hostile_text(copie: Copie, tmp_path: Path) -> None:
    """The same through pytest-copie, i.e. copier alone reading copier.yml (no mlops-new code)."""
    snapshot = render.snapshot_template(tmp_path / "template")
    result = copie.copy(extra_answers=HOSTILE, template_dir=snapshot)
    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    static_checks.compile_python(result.project_dir)
    static_checks.parse_data_files(result.project_dir)
    pyproject = tomllib.loads((result.project_dir / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == HOSTILE["description"]
