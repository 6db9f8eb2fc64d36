"""Layer 3: every valid combination renders the exact expected tree and passes static checks."""

from __future__ import annotations

import collections
import contextlib
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlops_new import matrix, questions, render
from tests import static_checks, timings
from tests.artifact_checks import ArtifactValidators
from tests.expected_tree import expected_tree
from tests.fast_render import (
    cached_render_context,
    cached_template_config,
    compiled_code_cache,
    link_free_destination,
    memoised_paths,
    memoised_rendering,
    scratch_directory,
    shared_template_snapshot,
    without_git_index_sync,
)
from tests.helpers import tree

QUESTIONNAIRE = questions.load()
COMBINATIONS = list(matrix.combinations(QUESTIONNAIRE))

LICENSE_MARKERS = {
    "mit": "MIT License",
    "apache-2.0": "Apache License",
    "proprietary": "All rights reserved",
}


# Files already checked by this worker process, by (ruff configuration, path, content).
CHECKED: set[tuple[str, str, str]] = set()
# The delivery artifacts' validators, each run once per distinct input in this worker.
VALIDATORS = ArtifactValidators()
VALIDATED_COMBINATIONS: list[str] = []
RECORDED: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def fast_render() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        stack.enter_context(compiled_code_cache())
        stack.enter_context(memoised_rendering())  # inside the code cache: see its docstring
        stack.enter_context(without_git_index_sync())
        stack.enter_context(cached_template_config())
        stack.enter_context(cached_render_context())
        stack.enter_context(shared_template_snapshot())
        stack.enter_context(memoised_paths())
        stack.enter_context(link_free_destination())
        yield
    # A parallel run interleaves other modules' tests (tests/conftest.py), so this module's
    # fixture can end several times per worker: each end records what is new since the last.
    if VALIDATED_COMBINATIONS:
        timings.record_validations(len(VALIDATED_COMBINATIONS), VALIDATORS.validated - RECORDED)
        VALIDATED_COMBINATIONS.clear()
        RECORDED.clear()
        RECORDED.update(VALIDATORS.validated)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """Where one combination is rendered: in RAM where the machine has it, deleted after."""
    with scratch_directory() as directory:
        yield directory


@pytest.mark.parametrize("combo", COMBINATIONS, ids=matrix.label)
def test_combination_renders_and_passes_static_checks(combo: dict[str, Any], scratch: Path) -> None:
    answers = QUESTIONNAIRE.resolve(combo).answers
    project = render.render(answers, scratch / "project")

    assert tree(project) == expected_tree(answers)
    # Each distinct file is checked once per worker: most files repeat across combinations.
    fresh = static_checks.files_not_checked_yet(project, CHECKED)
    assert static_checks.leftover_jinja(project, fresh) == []
    assert static_checks.unlinked_alerts(project) == []
    static_checks.compile_python(project, fresh)
    static_checks.parse_data_files(project, fresh)
    static_checks.ruff(project, fresh)
    # hadolint, check-jsonschema, docker-compose config, kustomize + kubernetes-validate,
    # shellcheck, yamllint: on every artifact this combination has (see tests/artifact_checks.py).
    VALIDATORS.validate(project)
    VALIDATED_COMBINATIONS.append(matrix.label(combo))

    # The answers reached the files that act on them.
    assert (project / ".python-version").read_text().strip() == answers["python_version"]
    assert LICENSE_MARKERS[answers["license"]] in (project / "LICENSE").read_text()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={answers['python_version']}"
    dependencies = " ".join(pyproject["project"]["dependencies"])
    training = " ".join(pyproject["dependency-groups"]["training"])
    # The serving image installs `dependencies` only: no tracking or orchestrator library in it.
    assert not any(name in dependencies for name in ("mlflow", "prefect", "airflow", "kfp"))
    assert ("mlflow" in training) == (answers["experiment_tracking"] == "mlflow")
    orchestrator_package = {"prefect": "prefect", "airflow": "apache-airflow", "kubeflow": "kfp"}
    if answers["orchestrator"] != "none":
        assert orchestrator_package[answers["orchestrator"]] in training
    assert ("fastapi" in dependencies) == (answers["serving_mode"] != "batch")
    onnx = answers["inference_runtime"] == "onnx"
    assert ("onnxruntime" in dependencies) == onnx
    assert ("skl2onnx" in training) == onnx
    runtime = (project / "src" / answers["package_name"] / "runtime.py").read_text()
    assert f'RUNTIME: Final = "{answers["inference_runtime"]}"' in runtime
    settings = (project / "src" / answers["package_name"] / "settings.py").read_text()
    assert f'"{answers["primary_metric"]}"' in settings
    assert repr(answers["metric_threshold"]) in settings


def test_invalid_combination_is_refused_by_copier_too(tmp_path: Path) -> None:
    """Bypassing mlops-new's own check, copier still refuses the answers and nothing is written."""
    from mlops_new.errors import UserError

    answers = QUESTIONNAIRE.resolve({"problem_type": "regression"}).answers
    answers["primary_metric"] = "roc_auc"
    with pytest.raises(UserError, match="primary_metric"):
        render.render(answers, tmp_path / "project")
    assert list(tmp_path.iterdir()) == []
