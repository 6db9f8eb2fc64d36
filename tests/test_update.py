"""Layer 5: template upgrades and option changes keep the team's edits, with real git and copier.

Each scenario builds a git repository of the template, tags a first version, renders and commits a
project, makes the edits a team makes, changes the template in places that overlap those edits and
in places that do not, tags a second version, and updates: with the `copier update` command line
inside the project, and with `mlops-new update`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_new import cli, questions, render, update
from mlops_new.template_source import TemplateOrigin

ROOT = Path(__file__).resolve().parent.parent
FIRST, SECOND = "v0.1.0", "v0.2.0"
IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
PACKAGE = "churn"

# Where the edits and the template changes below land, in a project named "Churn".
GENERATED_MODULE = f"src/{PACKAGE}/pipeline.py"
CONFIG = "configs/train.yaml"
DELETED_DOC = "docs/08-documentation.md"
TEAM_FILE = f"src/{PACKAGE}/team_features.py"
OVERLAP = "README.md"
PROTECTED = f"src/{PACKAGE}/features/build.py"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return result.stdout


def commit_all(cwd: Path, message: str) -> None:
    # --force in the template repository: see `template_repo`.
    git(cwd, "add", "--all", *(["--force"] if (cwd / "copier.yml").is_file() else []))
    git(cwd, "commit", "--quiet", "--no-verify", "-m", message)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def first_line_containing(path: Path, needle: str) -> str:
    return next(line for line in path.read_text(encoding="utf-8").splitlines() if needle in line)


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """The template of this checkout as a git repository, tagged FIRST."""
    repo = tmp_path / "template-repo"
    # The files a release tag holds: those git tracks (the template's own .gitignore, meant for
    # generated projects, would hide some of them from a plain `git add`).
    tracked = git(ROOT, "ls-files", "-z", "--", "copier.yml", "template").split("\0")
    for name in filter(None, tracked):
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--force", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "-m", "first version")
    git(repo, "tag", FIRST)
    return repo


def new_project(repo: Path | str, destination: Path, **answers: Any) -> Path:
    """Render from the bundled template, recording `repo` at FIRST, and commit."""
    resolved = questions.load().resolve({"project_name": "Churn", **answers}).answers
    project = render.render(
        resolved, destination, origin=TemplateOrigin(src_path=str(repo), commit=FIRST)
    )
    git(project, "init", "--quiet", "--initial-branch=main")
    commit_all(project, "generated")
    return project


def copier_update(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The copier command line, as a team would run it inside the project."""
    return subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--conflict", "inline", *extra],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def mlops_new_update(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["update", *args])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------------
# The recorded source
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {
            "serving_mode": "batch",
            "orchestrator": "airflow",
            "deploy_target": "kubernetes",
            "ci_provider": "gitlab",
            "problem_type": "regression",
            "experiment_tracking": "none",
        },
    ],
    ids=["defaults", "other-options"],
)
def test_bundled_render_is_byte_identical_to_a_render_of_the_tag(
    template_repo: Path, tmp_path: Path, answers: dict[str, Any]
) -> None:
    """Any difference would show as a phantom team edit in every later update."""
    from copier import run_copy

    bundled = new_project(template_repo, tmp_path / "bundled", **answers)
    resolved = questions.load().resolve({"project_name": "Churn", **answers}).answers
    run_copy(
        str(template_repo),
        str(tmp_path / "tagged"),
        data=resolved,
        vcs_ref=FIRST,
        defaults=True,
        quiet=True,
        unsafe=False,
    )
    tagged = tmp_path / "tagged"
    files = {p.relative_to(tagged) for p in tagged.rglob("*") if p.is_file()}
    bundled_files = {
        p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert bundled_files == files
    different = [
        str(p) for p in sorted(files) if (bundled / p).read_bytes() != (tagged / p).read_bytes()
    ]
    assert different == []
    recorded = yaml.safe_load((bundled / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (recorded["_src_path"], recorded["_commit"]) == (str(template_repo), FIRST)


def test_new_records_the_canonical_repository_at_the_installed_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_new import __version__
    from mlops_new.template_source import CANONICAL_URL, SOURCE_ENV_VAR

    monkeypatch.delenv(SOURCE_ENV_VAR, raising=False)
    assert cli.main([str(tmp_path / "a"), "--no-input", "--no-git", "--no-lock"]) == 0
    recorded = yaml.safe_load((tmp_path / "a" / ".copier-answers.yml").read_text())
    assert (recorded["_src_path"], recorded["_commit"]) == (CANONICAL_URL, f"v{__version__}")

    monkeypatch.setenv(SOURCE_ENV_VAR, "https://git.example.com/fork/mlops-new.git")
    assert cli.main([str(tmp_path / "b"), "--no-input", "--no-git", "--no-lock"]) == 0
    recorded = yaml.safe_load((tmp_path / "b" / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == "https://git.example.com/fork/mlops-new.git"
    capsys.readouterr()


def test_a_local_template_checkout_is_recorded_at_its_tag(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "local"
    code = cli.main([str(project), "--no-input", "--no-lock", "--template", str(template_repo)])
    assert code == 0, capsys.readouterr().err
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (recorded["_src_path"], recorded["_commit"]) == (str(template_repo), FIRST)
    # Plain `copier update` then works: nothing changed, nothing conflicts.
    result = copier_update(project)
    assert result.returncode == 0, result.stderr
    assert git(project, "status", "--porcelain") == ""

    (template_repo / "template" / "Makefile.jinja").write_text("dirty\n")
    code = cli.main([str(tmp_path / "dirty"), "--no-input", "--template", str(template_repo)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "uncommitted changes" in err
    assert not (tmp_path / "dirty").exists()


# ---------------------------------------------------------------------------------------------
# A template upgrade over a project with the team's edits
# ---------------------------------------------------------------------------------------------


@dataclass
class Upgrade:
    """A project with the team's edits, committed, and a second template version tagged."""

    project: Path
    kept_line: str
    config_line: str


def team_edits(project: Path) -> tuple[str, str]:
    """Edits of four kinds, plus one in a line the template changes too; committed."""
    module = project / GENERATED_MODULE
    docstring = module.read_text(encoding="utf-8").splitlines()[0]
    kept_line = docstring.rstrip('"') + " Owned by the churn team."
    edit(module, docstring, kept_line)
    (project / TEAM_FILE).write_text('"""Features the team wrote."""\n', encoding="utf-8")
    (project / DELETED_DOC).unlink()
    config_line = first_line_containing(project / CONFIG, "C:")
    edit(project / CONFIG, config_line, config_line.split(":")[0] + ": 0.25")
    title = (project / OVERLAP).read_text(encoding="utf-8").splitlines()[0]
    edit(project / OVERLAP, title, title + " (churn team)")
    edit(project / PROTECTED, '"""', '"""Team-owned feature code. ')
    commit_all(project, "team edits")
    return kept_line, config_line.split(":")[0] + ": 0.25"


def second_version(repo: Path) -> None:
    """Template changes: one overlapping the team's README edit, others in untouched places."""
    template = repo / "template"
    edit(template / "README.md.jinja", "# {{ project_name }}", "# {{ project_name }}, version two")
    makefile = template / "Makefile.jinja"
    makefile.write_text("# Second template version.\n" + makefile.read_text(), encoding="utf-8")
    (template / "CONTRIBUTING.md").write_text("# Contributing\n\nNew in the second version.\n")
    build = template / "src" / "{{package_name}}" / "features" / "build.py"
    build.write_text(build.read_text() + "\n# Template change to a protected file.\n")
    commit_all(repo, "second version")
    git(repo, "tag", SECOND)


@pytest.fixture
def upgrade(template_repo: Path, tmp_path: Path) -> Upgrade:
    project = new_project(template_repo, tmp_path / "churn")
    kept_line, config_line = team_edits(project)
    second_version(template_repo)
    return Upgrade(project=project, kept_line=kept_line, config_line=config_line)


def assert_team_edits_kept(upgrade: Upgrade) -> None:
    project = upgrade.project
    assert upgrade.kept_line in (project / GENERATED_MODULE).read_text(encoding="utf-8")
    assert (project / TEAM_FILE).is_file()
    assert not (project / DELETED_DOC).exists(), "a file the team deleted stays deleted"
    assert upgrade.config_line in (project / CONFIG).read_text(encoding="utf-8")
    assert "Team-owned feature code." in (project / PROTECTED).read_text(encoding="utf-8")


def assert_template_changes_applied(project: Path) -> None:
    assert (project / "Makefile").read_text(encoding="utf-8").startswith("# Second template")
    assert (project / "CONTRIBUTING.md").is_file()
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert recorded["_commit"] == SECOND


def test_copier_update_command_keeps_edits_and_marks_the_overlap(upgrade: Upgrade) -> None:
    result = copier_update(upgrade.project)
    assert result.returncode == 0, result.stderr
    assert_team_edits_kept(upgrade)
    assert_template_changes_applied(upgrade.project)
    readme = (upgrade.project / OVERLAP).read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in readme and ">>>>>>> after updating" in readme
    assert "(churn team)" in readme and "version two" in readme
    build = (upgrade.project / PROTECTED).read_text(encoding="utf-8")
    assert "Template change to a protected file." not in build, "_skip_if_exists protects it"


def test_mlops_new_update_reports_the_conflict_and_fails(
    upgrade: Upgrade, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = mlops_new_update(capsys, str(upgrade.project))
    assert code == 1, err
    assert_team_edits_kept(upgrade)
    assert_template_changes_applied(upgrade.project)
    assert f"updated from {FIRST} to {SECOND}" in out
    assert f"CONFLICT {OVERLAP}" in out
    conflicts = update.find_conflicts(upgrade.project)
    assert [conflict.path for conflict in conflicts] == [OVERLAP]
    assert "Makefile" in out and "CONTRIBUTING.md" in out
    assert "Template change to a protected file." not in (upgrade.project / PROTECTED).read_text()


def test_an_update_without_overlap_succeeds_and_is_reported(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = new_project(template_repo, tmp_path / "churn")
    edit(project / GENERATED_MODULE, '"""', '"""Owned by the team. ')
    commit_all(project, "team edit")
    second_version(template_repo)
    code, out, err = mlops_new_update(capsys, str(project), "--to", SECOND)
    assert code == 0, err
    assert "no conflicts" in out
    assert_template_changes_applied(project)
    assert "Owned by the team." in (project / GENERATED_MODULE).read_text()
    assert update.find_conflicts(project) == []


def test_template_fetches_from_a_clone_when_the_recorded_source_is_out_of_reach(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project recording the canonical URL, updated offline from a local clone of it."""
    unreachable = "https://git.invalid/mlops-new/mlops-new.git"
    project = new_project(unreachable, tmp_path / "churn")
    second_version(template_repo)
    before = snapshot(project)
    code, _, err = mlops_new_update(capsys, str(project))
    assert code == 2
    assert "cannot render template version v0.1.0" in err and "--template" in err
    assert snapshot(project) == before

    code, _, err = mlops_new_update(capsys, str(project), "--template", str(template_repo))
    assert code == 0, err
    assert_template_changes_applied(project)
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert recorded["_src_path"] == unreachable, "the recorded source does not change"


# ---------------------------------------------------------------------------------------------
# Changing an option
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def prefect_project(template_repo: Path, tmp_path: Path) -> Path:
    """A Prefect project whose team changed a core module and one Prefect file."""
    project = new_project(template_repo, tmp_path / "churn", orchestrator="prefect")
    edit(project / f"src/{PACKAGE}/training/train.py", '"""', '"""Tuned by the team. ')
    flow = project / f"src/{PACKAGE}/pipelines/prefect/training.py"
    edit(flow, '"""', '"""Team change to the Prefect flow. ')
    commit_all(project, "team edits")
    return project


def assert_switched_to_airflow(project: Path) -> None:
    assert "Tuned by the team." in (project / f"src/{PACKAGE}/training/train.py").read_text()
    assert (project / "dags").is_dir()
    assert (project / "tests/pipelines/test_airflow_dags.py").is_file()
    assert not (project / "prefect.yaml").exists(), "untouched files of the old choice go"
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert recorded["orchestrator"] == "airflow"


def test_mlops_new_update_switches_the_orchestrator(
    prefect_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = mlops_new_update(capsys, str(prefect_project), "--set", "orchestrator=airflow")
    assert code == 0, out + err
    assert_switched_to_airflow(prefect_project)
    flow = prefect_project / f"src/{PACKAGE}/pipelines/prefect/training.py"
    assert "Team change to the Prefect flow." in flow.read_text(), "the team's edit is kept"
    assert f"kept src/{PACKAGE}/pipelines/prefect/training.py" in out
    assert "pyproject.toml changed: `make setup`" in out, "the dependencies changed with it"
    others = [p for p in (flow.parent).iterdir() if p.name != "training.py"]
    assert others == [], "only the changed file of the old choice stays"


def test_copier_update_command_switches_the_orchestrator(prefect_project: Path) -> None:
    result = copier_update(prefect_project, "--data", "orchestrator=airflow")
    assert result.returncode == 0, result.stderr
    assert_switched_to_airflow(prefect_project)


# ---------------------------------------------------------------------------------------------
# Refusals: nothing is written
# ---------------------------------------------------------------------------------------------


def remove_answers_file(project: Path) -> None:
    (project / ".copier-answers.yml").unlink()
    commit_all(project, "no answers file")


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(project)): p.read_bytes()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }


@pytest.mark.parametrize(
    ("prepare", "arguments", "message"),
    [
        (lambda p: (p / "notes.txt").write_text("wip"), [], "uncommitted changes (notes.txt)"),
        (lambda p: None, ["--set", "orchestrator=luigi"], "orchestrator"),
        (lambda p: None, ["--set", "colour=blue"], "unknown question 'colour'"),
        (lambda p: None, ["--set", "orchestrator"], "--set expects KEY=VALUE"),
        (lambda p: shutil.rmtree(p / ".git"), [], "not a git repository"),
        (lambda p: remove_answers_file(p), [], "no .copier-answers.yml"),
    ],
    ids=["dirty", "bad-value", "unknown-key", "malformed-set", "no-git", "no-answers"],
)
def test_a_project_that_cannot_be_updated_is_left_alone(
    template_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    prepare: Callable[[Path], object],
    arguments: list[str],
    message: str,
) -> None:
    project = new_project(template_repo, tmp_path / "churn")
    prepare(project)
    before = snapshot(project)
    code, out, err = mlops_new_update(capsys, str(project), *arguments)
    assert code == 2, out + err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err
    assert snapshot(project) == before


def test_an_interrupted_update_leaves_the_last_commit(
    template_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import copier

    project = new_project(template_repo, tmp_path / "churn")
    second_version(template_repo)
    before, head = snapshot(project), git(project, "rev-parse", "HEAD")

    def interrupted(*args: Any, **kwargs: Any) -> None:
        (project / "Makefile").write_text("half-written\n")
        (project / "stray.txt").write_text("partial\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_update", interrupted)
    code, _, _ = mlops_new_update(capsys, str(project))
    assert code == 130
    assert snapshot(project) == before
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""
