"""Layer 6: the artifact validators find what they should, and the images split as designed.

The render-matrix test runs `ArtifactValidators` on every combination. These tests prove that each
validator really fails on a finding (a validator that always passes would prove nothing), using a
rendered project with one defect planted per check. The secret scan of the generated `make audit`
(detect-secrets) runs here on the covering set of combinations: no option's files hold anything
that looks like a secret, and a planted one fails it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mlops_new import matrix, questions, render
from tests import fast_render
from tests.artifact_checks import (
    ArtifactValidators,
    audit_setting,
    files_under,
    secret_findings,
    tool,
)

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


# -- the secret scan of the generated `make audit` ----------------------------------------------


@contextlib.contextmanager
def fast_rendering() -> Iterator[None]:
    """The render matrix's shortcuts (tests/fast_render.py): the same bytes, much sooner."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(fast_render.compiled_code_cache())
        stack.enter_context(fast_render.memoised_rendering())
        stack.enter_context(fast_render.without_git_index_sync())
        stack.enter_context(fast_render.cached_template_config())
        stack.enter_context(fast_render.cached_render_context())
        stack.enter_context(fast_render.shared_template_snapshot())
        stack.enter_context(fast_render.memoised_paths())
        stack.enter_context(fast_render.link_free_destination())
        yield


@pytest.fixture(scope="module")
def covering_projects(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The covering set of copier.yml, rendered: every value of every option and every pair of
    interacting options at least once, so each option's files are in one of these projects."""
    root = tmp_path_factory.mktemp("covering")
    with fast_rendering():
        return [
            render.render(QUESTIONNAIRE.resolve(combo).answers, root / matrix.label(combo))
            for combo in matrix.covering(QUESTIONNAIRE)
        ]


def test_generated_projects_hold_nothing_like_a_secret(covering_projects: list[Path]) -> None:
    """detect-secrets, as `make audit` runs it, finds nothing in any file of any option.

    Each distinct file (path and bytes) is scanned once; none is hidden by the scan's exclusions.
    """
    exclude = re.compile(audit_setting(covering_projects[0], "SECRETS_EXCLUDE"))
    distinct: dict[tuple[str, str], Path] = {}
    for project in covering_projects:
        for path in files_under(project):
            relative = path.relative_to(project).as_posix()
            assert not exclude.search(relative), f"make audit does not scan {relative}"
            distinct.setdefault((relative, hashlib.sha256(path.read_bytes()).hexdigest()), path)
    findings = secret_findings(list(distinct.values()), cwd=covering_projects[0].parent)
    assert findings == [], (
        "detect-secrets flags these lines of generated projects (reword a placeholder that only "
        "looks like a secret, or mark the line `# pragma: allowlist secret` with the reason):\n"
        + "\n".join(findings)
    )


def test_make_audit_pins_the_tested_detect_secrets(compose_project: Path) -> None:
    pin = audit_setting(compose_project, "DETECT_SECRETS")
    assert pin == f"detect-secrets=={importlib.metadata.version('detect-secrets')}"


PLANTED_SECRET = 'DATABASE_PASSWORD = "Kx83-not-a-placeholder"\n'


def fake_uv(directory: Path) -> Path:
    """A `uv` for make/audit.mk's `$(UV) tool run --from PIN COMMAND ARGS`: the generator's own
    COMMAND (no download, no network)."""
    script = directory / "uv"
    script.write_text(
        "#!/bin/sh\n"
        '[ "$1 $2 $3" = "tool run --from" ] || { echo "unexpected: uv $*" >&2; exit 97; }\n'
        "shift 4\n"
        f'command="{Path(tool("detect-secrets-hook")).parent}/$1"\n'
        "shift\n"
        'exec "$command" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize("git", [True, False], ids=["git repository", "no git"])
def test_make_audit_leaks_fails_on_a_secret_and_skips_what_is_never_committed(
    compose_project: Path, tmp_path: Path, git: bool
) -> None:
    """`make audit-leaks` scans what a commit can hold, fails on a secret, honours the pragma."""
    project = tmp_path / "project"
    for name in ("Makefile", ".gitignore", "make/audit.mk"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(compose_project / name, project / name)
    # Where a secret is expected (the environment, outputs, local settings, lock hashes): skipped.
    for name in (".venv/lib/site.py", "data/raw.py", "models/model.py", ".env", "uv.lock"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(PLANTED_SECRET)
    leak = project / "src" / "settings.py"
    leak.parent.mkdir()
    leak.write_text(PLANTED_SECRET)
    if git:
        subprocess.run(["git", "init", "-q", str(project)], check=True)
    env = {**os.environ, "UV": str(fake_uv(tmp_path))}

    def audit_leaks() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "--no-print-directory", "audit-leaks"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    found = audit_leaks()
    assert found.returncode != 0, found.stdout + found.stderr
    flagged = re.findall(r"^Location:\s+(?:\./)?(\S+):\d+$", found.stdout, re.MULTILINE)
    assert flagged == ["src/settings.py"], found.stdout + found.stderr

    leak.write_text(PLANTED_SECRET.rstrip("\n") + "  # pragma: allowlist secret\n")
    clean = audit_leaks()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no secret found" in clean.stdout
