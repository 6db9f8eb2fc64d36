"""Render a project with copier, atomically. The only module that imports copier (lazily).

The project is rendered into a temporary directory beside the destination and moved into place
only when complete, so a failed or interrupted render leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from mlops_new.errors import DestinationError, UserError
from mlops_new.template_source import TemplateOrigin, resolve_origin, template_root

# What a template snapshot needs: the questionnaire and the files it renders.
_TEMPLATE_PARTS = ("copier.yml", "template")


def check_destination(dst: Path, *, overwrite: bool = False) -> None:
    """Refuse a destination that would lose data or cannot be written, before any work."""
    if dst.exists() and not dst.is_dir():
        raise DestinationError(f"destination {dst} exists and is not a directory")
    if dst.is_dir() and any(dst.iterdir()) and not overwrite:
        raise DestinationError(
            f"destination {dst} is not empty; choose a new directory (or pass --overwrite)"
        )
    parent = _existing_parent(dst)
    if not parent.is_dir():
        raise DestinationError(f"cannot create {dst}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DestinationError(f"cannot write into {parent}: permission denied")


def _existing_parent(path: Path) -> Path:
    current = path.absolute().parent
    while not current.exists():
        current = current.parent
    return current


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt so the cleanup below always runs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def snapshot_template(into: Path, source: Path | None = None) -> Path:
    """Copy copier.yml and template/ into `into` and return it.

    Rendering from a plain directory (not a git checkout) makes copier render exactly the files
    on disk, quickly, without cloning: the same bytes whether mlops-new runs from a wheel or from
    a source checkout.
    """
    source = source or template_root()
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "copier.yml", into / "copier.yml")
    shutil.copytree(source / "template", into / "template", dirs_exist_ok=True)
    return into


def render(
    answers: Mapping[str, Any],
    dst: Path,
    *,
    template: Path | None = None,
    origin: TemplateOrigin | None = None,
    overwrite: bool = False,
    quiet: bool = True,
) -> Path:
    """Render the template with `answers` into `dst` and return `dst`.

    `answers` must already be complete and valid (see questions.Questionnaire.resolve); copier
    checks them again. Raises DestinationError before writing anything if `dst` is unusable.
    The files come from `template`, else `origin.render_from`, else the bundled template; the
    answers file records `origin` (default: `resolve_origin()`) for `copier update`.
    """
    from copier import run_copy  # lazy: keeps `mlops-new --help` instant

    dst = dst.absolute()
    check_destination(dst, overwrite=overwrite)
    origin = origin or resolve_origin()
    template = template or origin.render_from
    parent = _existing_parent(dst)
    created_parents = parent != dst.parent
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dst.name}.mlops-new-", dir=dst.parent))
    except OSError as error:
        if created_parents:
            _remove_empty_parents(dst.parent, stop=parent)
        raise DestinationError(
            f"cannot write into {dst.parent}: {error.strerror or error}"
        ) from error
    try:
        with signals_as_interrupts():
            source = snapshot_template(staging / "template-snapshot", template)
            out = staging / "project"
            try:
                run_copy(
                    str(source),
                    str(out),
                    data=dict(answers),
                    defaults=True,
                    overwrite=True,
                    quiet=quiet,
                    unsafe=False,
                    skip_tasks=True,
                )
            except ValueError as error:  # copier's own validation: the answers broke a rule
                raise UserError(
                    str(error).removeprefix("Validation error for question ")
                ) from error
            _record_origin(out, origin)
            _move_into_place(out, dst)
    except OSError as error:  # a full disk, a failing write: nothing half-written stays behind
        shutil.rmtree(staging, ignore_errors=True)
        if created_parents:
            _remove_empty_parents(dst.parent, stop=parent)
        raise DestinationError(f"cannot write the project to {dst}: {error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created_parents:
            _remove_empty_parents(dst.parent, stop=parent)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return dst


def _record_origin(project: Path, origin: TemplateOrigin) -> None:
    """Record the git source and tag in the answers file, exactly as copier would.

    The render read a plain snapshot (no git, so copier recorded no `_commit`, and a `_src_path`
    that is deleted after this render). `copier copy --vcs-ref TAG SOURCE` would have written
    these two keys first, in this format: a test renders both ways and compares the bytes.
    """
    import yaml

    answers_file = project / ".copier-answers.yml"
    lines = answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
    recorded = yaml.safe_dump(
        {"_commit": origin.commit, "_src_path": origin.src_path},
        default_flow_style=False,
        allow_unicode=True,
    )
    kept = [line for line in lines if not line.startswith(("_commit:", "_src_path:"))]
    # The header comment stays first; copier sorts the keys, and both of these sort first.
    answers_file.write_text(kept[0] + recorded + "".join(kept[1:]), encoding="utf-8")


def _move_into_place(out: Path, dst: Path) -> None:
    if dst.is_dir():
        if any(dst.iterdir()):  # --overwrite into an existing project: merge file by file
            for item in out.iterdir():
                target = dst / item.name
                if target.is_dir() and not target.is_symlink():
                    shutil.copytree(item, target, dirs_exist_ok=True)
                else:
                    item.replace(target)
            return
        dst.rmdir()
    out.replace(dst)


def _remove_empty_parents(path: Path, stop: Path) -> None:
    while path != stop and path.is_dir() and not any(path.iterdir()):
        path.rmdir()
        path = path.parent
