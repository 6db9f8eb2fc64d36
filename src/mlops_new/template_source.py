"""Where the template lives: inside the installed wheel, or at the root of a source checkout."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mlops_new.errors import UserError

#: Environment variable that points mlops-new at another template checkout (a fork, a local copy).
TEMPLATE_ENV_VAR = "MLOPS_NEW_TEMPLATE"

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def template_root() -> Path:
    """Return the directory holding `copier.yml` (and, through `_subdirectory`, `template/`).

    Order: `$MLOPS_NEW_TEMPLATE`, the copy shipped in the wheel, then the source checkout this
    module was imported from (an editable install or `PYTHONPATH=src`).
    """
    candidates: list[Path] = []
    if override := os.environ.get(TEMPLATE_ENV_VAR):
        candidates.append(Path(override).expanduser().resolve())
    candidates += [_PACKAGE_DIR / "_template", _PACKAGE_DIR.parent.parent]
    for candidate in candidates:
        if (candidate / "copier.yml").is_file() and (candidate / "template").is_dir():
            return candidate
    raise UserError(
        "cannot find the mlops-new template (copier.yml and template/); "
        f"reinstall mlops-new or set {TEMPLATE_ENV_VAR} to a template checkout"
    )


def copier_yml() -> Path:
    """Path of the questionnaire."""
    return template_root() / "copier.yml"


#: The repository mlops-new is developed and released from: generated projects update from it.
CANONICAL_URL = "https://github.com/mlops-new/mlops-new.git"

#: Environment variable naming another git source to record in new projects (a fork, a mirror).
SOURCE_ENV_VAR = "MLOPS_NEW_TEMPLATE_URL"

# What a git URL looks like to copier: a scheme, scp-like ssh, or copier's gh:/gl: shortcuts.
_URL_PREFIXES = ("https://", "http://", "ssh://", "git://", "git+", "git@", "gh:", "gl:", "file://")


@dataclass(frozen=True)
class TemplateOrigin:
    """Where a project's template comes from: what copier records as `_src_path` and `_commit`.

    `copier update` clones `src_path`, renders `commit` again to see what the team changed since,
    and renders the newest tag (or `--vcs-ref`) to bring the template's changes in.
    """

    src_path: str
    commit: str
    render_from: Path | None = None
    """A template checkout to render from; `None`: the template bundled with mlops-new."""


def release_tag(version: str | None = None) -> str:
    """The git tag of a release: `v` and the package version (`v0.1.0`)."""
    from mlops_new import __version__

    return f"v{version or __version__}"


def is_git_url(source: str) -> bool:
    """Whether `source` names a remote git repository rather than a local directory."""
    return source.startswith(_URL_PREFIXES)


def resolve_origin(template: str | None = None) -> TemplateOrigin:
    """The origin to record for `--template` (default: $MLOPS_NEW_TEMPLATE_URL, else canonical).

    A URL (the canonical repository or a fork) is recorded with the tag of the installed version,
    and the project is rendered from the bundled template, which is that tag's content. A local
    checkout is rendered from and recorded with the tag or commit it is at, so that `copier
    update` later renders exactly what the project was made from.
    """
    source = template or os.environ.get(SOURCE_ENV_VAR) or CANONICAL_URL
    if is_git_url(source):
        return TemplateOrigin(src_path=source, commit=release_tag())
    checkout = Path(source).expanduser().resolve()
    if not (checkout / "copier.yml").is_file() or not (checkout / "template").is_dir():
        raise UserError(
            f"template {source}: not a git URL, nor a directory with copier.yml and template/"
        )
    return TemplateOrigin(
        src_path=str(checkout), commit=_checkout_commit(checkout), render_from=checkout
    )


def _checkout_commit(checkout: Path) -> str:
    """The tag (or commit) a clean git checkout is at, as copier itself records it."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=False
        )

    if git("rev-parse", "--show-toplevel").stdout.strip() != str(checkout):
        raise UserError(
            f"template {checkout} is not the root of a git repository: copier update needs "
            "one; git init, commit and tag it, or pass a git URL"
        )
    if git("status", "--porcelain", "--", "copier.yml", "template").stdout.strip():
        raise UserError(
            f"template {checkout} has uncommitted changes in copier.yml or template/: commit "
            "them first (copier update renders the committed template, not the working tree)"
        )
    described = git("describe", "--tags", "--always")
    if described.returncode != 0 or not described.stdout.strip():
        raise UserError(f"template {checkout} has no commit yet: commit and tag it first")
    return described.stdout.strip()
