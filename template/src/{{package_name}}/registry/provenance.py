"""Provenance of a model version: when it was made, and from which commit."""

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def utc_now() -> str:
    """The current time in UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_git_sha(cwd: Path | None = None) -> str | None:
    """The commit checked out in ``cwd`` (default: the working directory), if any.

    Training outside a git checkout (a container image, a fresh copy) is normal: it gives
    ``None`` instead of an error.
    """
    git = shutil.which("git")
    if git is None:
        return None
    try:
        completed = subprocess.run(  # noqa: S603 (a fixed git command, no outside input)
            [git, "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = completed.stdout.strip()
    return sha if completed.returncode == 0 and sha else None
