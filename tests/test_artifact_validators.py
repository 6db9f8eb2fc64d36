"""Layer 6: the artifact validators find what they should, and the images split as designed.

The render-matrix test runs `ArtifactValidators` on every combination. These tests prove that each
validator really fails on a finding (a validator that always passes would prove nothing), using a
rendered project with one defect planted per check.
"""

from __future__ import annotations

import re
import shutil
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
        "check-jsonschema vendor.github-workflows",
        "check-jsonschema vendor.dependabot",
        "check-jsonschema vendor.gitlab-ci",
        "check-jsonschema vendor.compose-spec",
        "docker-compose config",
        "kustomize + kubernetes-validate",
    } <= ran


def test_an_unknown_kubernetes_field_fails(kubernetes_project: Path, tmp_path: Path) -> None:
    project = planted(kubernetes_project, tmp_path)
    manifests = sorted((project / "deploy/k8s/base").glob("*.yaml"))
    deployment = next(p for p in manifests if "kind: Deployment" in p.read_text())
    text = deployment.read_text()
    deployment.write_text(text.replace("spec:\n", "spec:\n  replicaz: 2\n", 1))
    with pytest.raises(AssertionError, match="kubernetes-validate"):
        ArtifactValidators().validate(project)


def test_a_broken_overlay_fails_kustomize(kubernetes_project: Path, tmp_path: Path) -> None:
    project = planted(kubernetes_project, tmp_path)
    kustomization = project / "deploy/k8s/overlays/production/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "resources:\n  - missing.yaml\n")
    with pytest.raises(AssertionError):
        ArtifactValidators().validate(project)


def test_an_invalid_compose_file_fails(compose_project: Path, tmp_path: Path) -> None:
    project = planted(compose_project, tmp_path)
    compose = project / "deploy/compose/compose.yaml"
    compose.write_text(
        re.sub(r"\nservices:\n", "\nservices:\n  broken:\n    imagee: x\n", compose.read_text())
    )
    with pytest.raises(AssertionError, match="compose"):
        ArtifactValidators().validate(project)


def test_an_invalid_gitlab_file_fails(kubernetes_project: Path, tmp_path: Path) -> None:
    project = planted(kubernetes_project, tmp_path)
    gitlab = project / ".gitlab-ci.yml"
    gitlab.write_text(gitlab.read_text() + "\nbroken-job:\n  script: 42\n  when: sometimes\n")
    with pytest.raises(AssertionError, match=r"vendor\.gitlab-ci"):
        ArtifactValidators().validate(project)


def test_an_invalid_workflow_fails(compose_project: Path, tmp_path: Path) -> None:
    project = planted(compose_project, tmp_path)
    workflow = project / ".github/workflows/ci.yml"
    workflow.write_text(workflow.read_text().replace("runs-on:", "runs-onn:", 1))
    with pytest.raises(AssertionError, match=r"vendor\.github-workflows"):
        ArtifactValidators().validate(project)


def test_a_dockerfile_finding_fails(compose_project: Path, tmp_path: Path) -> None:
    project = planted(compose_project, tmp_path)
    dockerfile = project / "docker/Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace("USER 10001:10001", "USER root\nRUN cd /tmp", 1)
    )
    with pytest.raises(AssertionError, match="hadolint"):
        ArtifactValidators().validate(project)


def test_a_shell_finding_fails(kubernetes_project: Path, tmp_path: Path) -> None:
    project = planted(kubernetes_project, tmp_path)
    script = next((project / "deploy/k8s").glob("*.sh"))
    script.write_text(script.read_text() + "\necho $UNQUOTED_VARIABLE\n")
    with pytest.raises(AssertionError, match="shellcheck"):
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
