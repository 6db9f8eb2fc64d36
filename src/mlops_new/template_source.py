"""Where the template lives: inside the installed wheel, or at the root of a source checkout."""

from __future__ import annotations

import os
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
