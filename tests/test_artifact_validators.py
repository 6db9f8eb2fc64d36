"""Layer 6: the artifact validators find what they should, and the images split as designed.

The render-matrix test runs `ArtifactValidators` on every combination. These tests prove that each
validator really fails on a finding (a validator that always passes would prove nothing), using a
rendered project with one defect planted per check.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlops_new import questions, render
from tests.artifact_checks import ArtifactValidators

QUESTIONNAIRE = questions.load()


def rendered(tmp_path: Path, **answers: Any) -> Path:
    return render.render(QUESTIONNAIRE.resolve(answers).answers, tmp_path / "p")


@pytest.fixture(scope="module")
def kubernetes_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered(
        tmp_path_factory.mktemp("k8s"),
        deploy_target="kubernetes",
        ci_provider="gitlab",
        serving_mode="rest_and_batch",
    )


@pytest.fixture(scope="module")
def compose_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered(tmp_path_factory.mktemp("compose"), deploy_target="compose")


def planted(project: Path, tmp_path: Path) -> Path:
    """A copy of `project` to plant a defect in."""
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    return copy


def test_clean_projects_pass_every_validator(
    kubernetes_project: Path, compose_project: Path
) -> None:
    validators = ArtifactValidators()
    validators.validate(kubernetes_project)
    validators.validate(compose_project)
    ran = set(validators.validated)
    assert {
        "hadolint",
        "yamllint",
        "shellcheck",
        "actionlint",
        "check-jsonschema vendor.github-workflows",
        "check-jsonschema vendor.dependabot",
        "check-jsonschema vendor.gitlab-ci",
        "check-jsonschema vendor.compose-spec",
        "docker-compose config",
        "kustomize + kubernetes-validate",
        "promtool check rules",
        "promtool test rules",
    } <= ran


def replace_once(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


# One planted defect per validator: (project, file, edit, what the failure names).
DEFECTS = {
    "unknown Kubernetes field": (
        "kubernetes_project",
        "deploy/k8s/base/api-deployments.yaml",
        replace_once("spec:\n", "spec:\n  replicaz: 2\n"),
        "kubernetes-validate",
    ),
    "overlay naming a missing resource": (
        "kubernetes_project",
        "deploy/k8s/overlays/production/kustomization.yaml",
        replace_once("  - ../../base\n", "  - ../../base\n  - missing.yaml\n"),
        "kustomize",
    ),
    "invalid compose key": (
        "compose_project",
        "deploy/compose/compose.yaml",
        replace_once("\nservices:\n", "\nservices:\n  broken:\n    imagee: x\n"),
        "compose",
    ),
    "invalid GitLab job": (
        "kubernetes_project",
        ".gitlab-ci.yml",
        append("\nbroken-job:\n  script: 42\n  when: sometimes\n"),
        r"vendor\.gitlab-ci",
    ),
    "workflow job needing a job that does not exist": (
        "compose_project",
        ".github/workflows/ci.yml",
        replace_once("    runs-on:", "    needs: [no-such-job]\n    runs-on:"),
        "actionlint",
    ),
    "YAML line with trailing spaces": (
        "compose_project",
        ".github/dependabot.yml",
        append("# a comment with trailing spaces   \n"),
        "yamllint",
    ),
    "misspelled workflow key": (
        "compose_project",
        ".github/workflows/ci.yml",
        replace_once("runs-on:", "runs-onn:"),
        r"vendor\.github-workflows",
    ),
    "Dockerfile running as root": (
        "compose_project",
        "docker/Dockerfile",
        replace_once("USER 10001:10001", "USER root\nRUN cd /tmp"),
        "hadolint",
    ),
    "alert rule that its unit test contradicts": (
        "kubernetes_project",
        "monitoring/prometheus/service-alerts.yml",
        replace_once("for: 10m", "for: 20m"),
        "promtool test rules",
    ),
    "invalid alert expression": (
        "compose_project",
        "monitoring/prometheus/drift-alerts.yml",
        replace_once("model_drift_detected == 1", "(model_drift_detected == 1"),
        "promtool check rules",
    ),
    "unquoted shell variable": (
        "kubernetes_project",
        "deploy/k8s/canary.sh",
        append("\necho $UNQUOTED_VARIABLE\n"),
        "shellcheck",
    ),
}


@pytest.mark.parametrize(
    ("project_fixture", "path", "edit", "finder"), DEFECTS.values(), ids=DEFECTS
)
def test_each_validator_fails_on_its_defect(
    project_fixture: str,
    path: str,
    edit: Callable[[str], str],
    finder: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    project = planted(request.getfixturevalue(project_fixture), tmp_path)
    target = project / path
    text = target.read_text()
    assert edit(text) != text, f"the defect was not planted in {path}"
    target.write_text(edit(text))
    with pytest.raises(AssertionError, match=finder):
        ArtifactValidators().validate(project)


@pytest.mark.parametrize(
    ("serving_mode", "orchestrator", "tracking"),
    [
        ("rest", "airflow", "mlflow"),
        ("batch", "kubeflow", "none"),
        ("rest_and_batch", "prefect", "mlflow"),
    ],
)
def test_two_images_serving_leaves_training_out(
    serving_mode: str, orchestrator: str, tracking: str, tmp_path: Path
) -> None:
    """The serving image leaves the training group out; the training image has it."""
    project = rendered(
        tmp_path,
        serving_mode=serving_mode,
        orchestrator=orchestrator,
        experiment_tracking=tracking,
        deploy_target="kubernetes",
    )
    text = (project / "docker/Dockerfile").read_text()
    stages = {name: parent for parent, name in re.findall(r"^FROM (\S+) AS (\S+)$", text, re.M)}
    assert stages["training"] == "base" and stages["runtime"] == "base"
    runtime = text[text.index("AS runtime") :]
    training = text[text.index("AS training\n") : text.index("AS runtime")]
    assert "--from=builder " in runtime and "training-builder" not in runtime
    assert "--from=training-builder " in training
    assert "--group training" in text[text.index("AS training-builder") : text.index("AS base")]
    assert '"pipeline"]' in training
    assert runtime.count("USER 10001:10001") == 1 and training.count("USER 10001:10001") == 1
    assert ("HEALTHCHECK" in runtime) == (serving_mode != "batch")
    assert ("COPY dags ./dags" in training) == (orchestrator == "airflow")
