"""Side effects after rendering: a git repository with a first commit (skippable with --no-git)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class GitError(Exception):
    """git is missing or one of its commands failed; the project itself is complete."""


def _git(project: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def init_and_commit(project: Path, author_name: str, author_email: str) -> str:
    """`git init` the project and commit every file; return the commit id.

    The author answers are used only when git has no identity configured, so a fresh machine
    (or CI) still gets its first commit.
    """
    if shutil.which("git") is None:
        raise GitError("git is not installed")
    _git(project, "init", "--quiet", "--initial-branch=main")
    identity: list[str] = []
    if not _has_identity(project):
        identity = ["-c", f"user.name={author_name}", "-c", f"user.email={author_email}"]
    _git(project, "add", "--all")
    _git(
        project,
        *identity,
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        "Initial commit from mlops-new",
    )
    return _git(project, "rev-parse", "--short", "HEAD")


def _has_identity(project: Path) -> bool:
    try:
        return bool(_git(project, "config", "user.email")) and bool(
            _git(project, "config", "user.name")
        )
    except GitError:
        return False


def lock_dependencies(project: Path, timeout: float = 300) -> str:
    """Write `uv.lock` so that the first commit pins every dependency (CI runs `uv sync --locked`).

    Needs uv and either the package index or uv's cache; raises GitError-like LockError otherwise,
    which the CLI reports as a warning: `make setup` writes the lock later.
    """
    uv = shutil.which("uv")
    if uv is None:
        raise LockError("uv is not installed, so uv.lock was not written (make setup will)")
    try:
        # `--directory` instead of `cwd`: a uv behind a pyenv shim would otherwise resolve its
        # own interpreter from the project's .python-version.
        result = subprocess.run(
            [uv, "--directory", str(project), "lock", "--quiet"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise LockError(
            f"uv lock took longer than {timeout:.0f} s; make setup will lock"
        ) from error
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"
        raise LockError(f"uv lock failed ({reason}); make setup will lock")
    return "uv.lock"


class LockError(Exception):
    """uv.lock could not be written; the project is complete and `make setup` will lock it."""
