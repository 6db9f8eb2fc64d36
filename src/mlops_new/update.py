"""Update a generated project: template upgrades and option changes, through copier's update.

`copier update` replays the team's changes (the project against a fresh render of the version it
was made from) onto a render of the new version with the new answers. Its exit code 0 does not
mean that nothing conflicted, so this module checks the outcome itself, and adds what copier does
not do:

- it refuses a project that is not a clean git checkout, before anything is written;
- it checks `--set` answers against copier.yml first (one line naming what is wrong);
- a file of the old options that the team changed is kept, not deleted, and reported;
- an update that fails or is interrupted leaves the project exactly at its last commit;
- the report lists every changed file and every conflict: files with conflict markers, files
  unmerged in git's index, and `.rej` files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlops_new.errors import UserError

ANSWERS_FILE = ".copier-answers.yml"

#: The lines copier writes around a conflict it leaves in a file (`conflict="inline"`).
CONFLICT_MARKERS = (b"<<<<<<< ", b">>>>>>> ")

#: Exit code of `mlops-new update` when the update left conflicts to resolve.
CONFLICT_EXIT_CODE = 1


@dataclass(frozen=True)
class Conflict:
    """A file the team has to resolve by hand, and how the conflict shows."""

    path: str
    kind: str


@dataclass(frozen=True)
class UpdateReport:
    """What an update did to the project."""

    from_ref: str
    to_ref: str
    changed: list[tuple[str, str]] = field(default_factory=list)
    """`(git status code, path)` of every file the update changed, added or deleted."""
    kept: list[str] = field(default_factory=list)
    """Files of the old options that the team had changed: kept, though no longer generated."""
    conflicts: list[Conflict] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report for people, one line per fact."""
        out = [f"updated from {self.from_ref} to {self.to_ref}: {len(self.changed)} files changed"]
        out += [f"  {status:<2} {path}" for status, path in self.changed]
        for path in self.kept:
            out.append(
                f"kept {path}: the team changed it and the new options no longer use it; "
                "delete it once its content has moved"
            )
        if any(path == "pyproject.toml" for _, path in self.changed):
            out.append(
                "pyproject.toml changed: `make setup` brings uv.lock and the environment up to "
                "date; commit uv.lock with the update"
            )
        for conflict in self.conflicts:
            out.append(f"CONFLICT {conflict.path}: {conflict.kind}")
        if self.conflicts:
            count = len(self.conflicts)
            out.append(
                f"{count} conflict{'s' if count > 1 else ''}: edit each file (keep what the team "
                "and the template both need, remove the markers), delete any .rej file, then "
                "`git add` and commit"
            )
        elif self.changed:
            out.append("no conflicts: review with `git diff`, then commit")
        return out


def update_project(
    project: Path,
    *,
    set_options: Mapping[str, Any] | None = None,
    to_ref: str | None = None,
    template: str | None = None,
) -> UpdateReport:
    """Update `project` to `to_ref` (default: the newest tag) with the answers `set_options`.

    `set_options` must already be checked against the questionnaire. `template` fetches the
    template from another place (a local clone, a mirror) than the recorded `_src_path`, which
    stays recorded. Raises UserError before writing anything when the project cannot be updated.
    """
    from copier import run_copy, run_update  # lazy: keeps `mlops-new --help` instant
    from copier.errors import CopierError

    project = project.resolve()
    recorded = read_recorded_answers(project)
    check_clean_checkout(project)
    head = _git(project, "rev-parse", "HEAD")
    environment = _fetch_from(template, recorded["_src_path"]) if template else {}
    last_answers = {key: value for key, value in recorded.items() if not key.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="mlops-new-update-") as scratch, _git_env(environment):
        old = Path(scratch) / "old"
        try:
            # The version the project was made from, as copier renders it to find the team's
            # changes: here to know which files of the old options the team touched.
            run_copy(
                recorded["_src_path"],
                str(old),
                data=last_answers,
                vcs_ref=recorded["_commit"],
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=False,
                skip_tasks=True,
            )
        except (CopierError, subprocess.CalledProcessError, OSError, ValueError) as error:
            raise UserError(
                f"cannot render template version {recorded['_commit']} from "
                f"{recorded['_src_path']}: {_one_line(error)}; pass --template with a reachable "
                "clone of the template"
            ) from error
        changed_by_team = _changed_files(old, project)
        try:
            with _restored_on_failure(project, head):
                run_update(
                    str(project),
                    data=dict(set_options or {}),
                    vcs_ref=to_ref,
                    defaults=True,
                    overwrite=True,
                    conflict="inline",
                    quiet=True,
                    unsafe=False,
                    skip_tasks=True,
                    skip_answered=True,
                )
        except (CopierError, subprocess.CalledProcessError, ValueError) as error:
            raise UserError(
                f"the update failed, nothing was changed: {_one_line(error)}"
            ) from error
    kept = _keep_changed_files_of_old_options(project, changed_by_team)
    new_answers = read_recorded_answers(project)
    return UpdateReport(
        from_ref=str(recorded["_commit"]),
        to_ref=str(new_answers["_commit"]),
        changed=_status(project),
        kept=kept,
        conflicts=find_conflicts(project),
    )


def read_recorded_answers(project: Path) -> dict[str, Any]:
    """The answers file of `project`, with the template source and version it records."""
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise UserError(
            f"{project} has no {ANSWERS_FILE}: it was not generated by mlops-new (or copier)"
        )
    try:
        recorded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UserError(f"{path} is not valid YAML: {_one_line(error)}") from error
    missing = [key for key in ("_src_path", "_commit") if not recorded.get(key)]
    if missing:
        raise UserError(
            f"{path} records no {' and no '.join(missing)}: copier update needs the template's "
            "git source and the version the project was made from"
        )
    return dict(recorded)


def check_clean_checkout(project: Path) -> None:
    """Refuse a project that is not the root of a git repository with everything committed.

    The update shows its changes as a git diff, and undoes itself by going back to the last
    commit: both need a clean checkout.
    """
    if shutil.which("git") is None:
        raise UserError("git is not installed: updating a project needs it")
    try:
        top = _git(project, "rev-parse", "--show-toplevel")
        _git(project, "rev-parse", "--verify", "HEAD")
    except UserError:
        raise UserError(
            f"{project} is not a git repository with a commit: commit the project first "
            "(git init && git add --all && git commit)"
        ) from None
    if Path(top).resolve() != project:
        raise UserError(f"{project} is not the root of its git repository ({top})")
    dirty = _git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    if dirty:
        shown = ", ".join(line[3:] for line in dirty[:5]) + (", ..." if len(dirty) > 5 else "")
        raise UserError(
            f"{project} has uncommitted changes ({shown}): commit or stash them first, so that "
            "the update's changes can be reviewed and undone on their own"
        )


def find_conflicts(project: Path) -> list[Conflict]:
    """Every conflict the update left: unmerged index entries, markers, `.rej` files."""
    conflicts: dict[str, Conflict] = {}
    for path in _git(project, "diff", "--name-only", "--diff-filter=U").splitlines():
        conflicts[path] = Conflict(path, "unmerged in git's index (conflict markers inside)")
    for status, path in _status(project):
        if path.endswith(".rej"):
            conflicts[path] = Conflict(path, f"rejected changes to {path[:-4]}")
        elif path not in conflicts and status != "D" and _has_markers(project / path):
            conflicts[path] = Conflict(path, "conflict markers")
    return sorted(conflicts.values(), key=lambda conflict: conflict.path)


def _has_markers(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as lines:
        return any(line.startswith(CONFLICT_MARKERS) for line in lines)


def _status(project: Path) -> list[tuple[str, str]]:
    """`(status, path)` of each changed file; `??` for new ones, as `git status --short`."""
    entries = []
    for line in _git(project, "status", "--porcelain", "--untracked-files=all").splitlines():
        status, path = line[:2].strip(), line[3:]
        if " -> " in path:  # a rename: the new name is what exists
            path = path.split(" -> ", 1)[1]
        entries.append((status, path.strip('"')))
    return entries


def _changed_files(render: Path, project: Path) -> set[str]:
    """Files of `render` whose content differs in `project` (the team's edits)."""
    changed = set()
    for path in render.rglob("*"):
        if not path.is_file() or path.name == ANSWERS_FILE:
            continue
        relative = path.relative_to(render)
        mine = project / relative
        if mine.is_file() and mine.read_bytes() != path.read_bytes():
            changed.add(relative.as_posix())
    return changed


def _keep_changed_files_of_old_options(project: Path, changed_by_team: set[str]) -> list[str]:
    """Restore the files copier deleted although the team had changed them.

    copier removes every file the new render no longer has, edited or not; the team's edits
    belong to the team, so such a file comes back from the last commit, and is reported.
    """
    deleted = _git(project, "diff", "--name-only", "--diff-filter=D", "HEAD").splitlines()
    kept = sorted(set(deleted) & changed_by_team)
    if kept:
        _git(project, "checkout", "HEAD", "--", *kept)
    return kept


@contextlib.contextmanager
def _restored_on_failure(project: Path, head: str) -> Iterator[None]:
    """Put the project back at `head` if the update raises or is interrupted.

    The checkout was clean before (checked), so going back loses nothing of the team's; ignored
    files (the virtual environment, data) are left alone.
    """
    from mlops_new.render import signals_as_interrupts

    try:
        with signals_as_interrupts():
            yield
    except BaseException:
        _git(project, "reset", "--quiet", "--hard", head)
        _git(project, "clean", "--quiet", "--force", "-d")
        raise


def _fetch_from(template: str, recorded_source: str) -> dict[str, str]:
    """Git settings that make every clone of `recorded_source` read `template` instead."""
    from mlops_new.template_source import is_git_url

    source = template
    if not is_git_url(template):
        local = Path(template).expanduser().resolve()
        if not (local / "copier.yml").is_file():
            raise UserError(f"--template {template}: no copier.yml there")
        source = str(local)
    return {f"url.{source}.insteadOf": recorded_source}


@contextlib.contextmanager
def _git_env(settings: Mapping[str, str]) -> Iterator[None]:
    """Pass `settings` to every git command run meanwhile (GIT_CONFIG_KEY_n/VALUE_n, git 2.31).

    copier runs git through plumbum, whose environment is a copy of os.environ taken at import:
    the variables go into both.
    """
    if not settings:
        yield
        return
    from plumbum import local  # copier's own process runner

    variables = {"GIT_CONFIG_COUNT": str(len(settings))}
    for index, (key, value) in enumerate(settings.items()):
        variables[f"GIT_CONFIG_KEY_{index}"] = key
        variables[f"GIT_CONFIG_VALUE_{index}"] = value
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        with local.env(**variables):
            yield
    finally:
        for name, old in previous.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _git(project: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise UserError(f"git {' '.join(args)} failed in {project}: {result.stderr.strip()}")
    return result.stdout.rstrip("\n")


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:400] or type(error).__name__


def changed_answers(recorded: Mapping[str, Any], set_options: Sequence[str]) -> dict[str, Any]:
    """The `--set` answers, checked with every rule of copier.yml against the recorded ones.

    Returns the changed answers, typed; raises AnswerError (one line) when one is invalid.
    """
    from mlops_new import answers, questions

    questionnaire = questions.load()
    provided = answers.parse_set_options(set_options)
    last = {key: value for key, value in recorded.items() if not key.startswith("_")}
    resolved = questionnaire.resolve({**last, **provided}).answers
    unused = [key for key in provided if key not in resolved]
    if unused:
        raise UserError(f"{unused[0]} does not apply with the project's other answers")
    return {key: resolved[key] for key in provided}
