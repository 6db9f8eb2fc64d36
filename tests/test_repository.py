"""The generator's checkout ships every template file it has on disk.

The template carries its own ``.gitignore`` for generated projects, and git applies it inside
``template/`` too: a template file matched by it (``.env.example.jinja`` by ``.env.*``) stays on the
author's disk, so local renders pass, but is missing from every clone, CI run and release.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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
