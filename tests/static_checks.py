"""Static checks of a rendered project: no leftover Jinja, code compiles, data files parse, ruff."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import yaml

from tests.helpers import YAML_LOADER

# What unrendered Jinja looks like. Not matched: GitHub Actions' own `${{ ... }}` expressions,
# Prometheus templates (`{{ $value }}`: `{{ $` is never Jinja), and Python format specs
# (`f"{share:.0%}"`): their `%}` follows no space.
_LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{(?!-? ?\$)|\{%|(?<=[\s-])%\}|\{#")


_TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".toml",
    ".yml",
    ".yaml",
    ".json",
    ".cfg",
    ".ini",
    ".txt",
    ".mk",
    ".env",
    "",
}


def text_files(project: Path) -> list[Path]:
    return [
        p
        for p in sorted(project.rglob("*"))
        if p.is_file() and ".git" not in p.parts and p.suffix in _TEXT_SUFFIXES
    ]


def files_not_checked_yet(project: Path, seen: set[tuple[str, str, str]]) -> list[Path]:
    """The files of `project` whose checks have not run yet in this process; records them.

    Thousands of combinations share most files byte for byte. A file's check results depend only
    on its path, its content and the ruff configuration it is checked with, so a file seen with
    all three before needs no second check.
    """
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    ruff_config = json.dumps(pyproject.get("tool", {}).get("ruff", {}), sort_keys=True)
    fresh = []
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        key = (ruff_config, path.relative_to(project).as_posix(), digest)
        if key not in seen:
            seen.add(key)
            fresh.append(path)
    return fresh


def leftover_jinja(project: Path, files: Iterable[Path] | None = None) -> list[str]:
    """`file:line` of every line that still holds Jinja syntax (in `files`, default: all)."""
    found = []
    candidates = text_files(project) if files is None else _text_only(files)
    for path in candidates:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _LEFTOVER_JINJA.search(line):
                found.append(f"{path.relative_to(project)}:{number}: {line.strip()}")
    return found


def _text_only(files: Iterable[Path]) -> list[Path]:
    return [p for p in files if p.suffix in _TEXT_SUFFIXES]


def compile_python(project: Path, files: Iterable[Path] | None = None) -> None:
    candidates = project.rglob("*.py") if files is None else files
    for path in (p for p in candidates if p.suffix == ".py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


def parse_data_files(project: Path, files: Iterable[Path] | None = None) -> int:
    """Parse every YAML, TOML and JSON file (of `files`, default: all); return how many."""
    count = 0
    for path in sorted(project.rglob("*") if files is None else files):
        if not path.is_file() or ".git" in path.parts:
            continue
        text = path.read_text(encoding="utf-8") if path.suffix in _TEXT_SUFFIXES else ""
        if path.suffix in {".yml", ".yaml"}:
            list(yaml.load_all(text, Loader=YAML_LOADER))
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)
        else:
            continue
        count += 1
    return count


def unlinked_alerts(project: Path) -> list[str]:
    """Alerts whose `runbook_url` names no section of the project's `docs/runbook.md`.

    Each alert links to `docs/runbook.md#<alert name in lower case>`: the anchor a Markdown
    renderer gives the heading `### <AlertName>`. A rule added without its runbook section fails.
    """
    runbook = (project / "docs" / "runbook.md").read_bytes()
    rules = sorted((project / "monitoring" / "prometheus").glob("*-alerts.yml"))
    return list(_unlinked(runbook, tuple((path.name, path.read_bytes()) for path in rules)))


@functools.cache
def _unlinked(runbook: bytes, rules: tuple[tuple[str, bytes], ...]) -> tuple[str, ...]:
    # Cached by content: thousands of combinations share the same runbook and rule files.
    anchors = {
        "docs/runbook.md#" + line.lstrip("#").strip().lower()
        for line in runbook.decode("utf-8").splitlines()
        if line.startswith("#")
    }
    missing = []
    for name, text in rules:
        for group in yaml.load(text, Loader=YAML_LOADER)["groups"]:
            for rule in group["rules"]:
                link = rule.get("annotations", {}).get("runbook_url")
                if "alert" in rule and link not in anchors:
                    missing.append(f"{name}: {rule['alert']} links to {link!r}")
    return tuple(missing)


def ruff(project: Path, files: Iterable[Path] | None = None) -> None:
    """`ruff check` and `ruff format --check` with the project's own configuration.

    On every Python file, or only on those of `files` (nothing to run when none is Python).
    """
    targets = ["."]
    if files is not None:
        targets = [p.relative_to(project).as_posix() for p in files if p.suffix == ".py"]
        if not targets:
            return
    for args in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args, *targets],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"ruff {' '.join(args)}:\n{result.stdout}{result.stderr}"


def assert_texts_kept(project: Path, answers: dict[str, object], keys: Iterable[str]) -> None:
    """A project rendered from free-text `answers` is sound and holds each text unchanged.

    Python compiles and passes ruff, data files parse, and the texts read back literally from
    pyproject.toml (description, authors), the answers file (each of `keys`) and the README
    (the project's name).
    """
    compile_python(project)
    assert parse_data_files(project) > 0
    ruff(project)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == answers["description"]
    assert pyproject["project"]["authors"] == [
        {"name": answers["author_name"], "email": answers["author_email"]}
    ]
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    for key in keys:
        assert recorded[key] == answers[key], key
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert str(answers["project_name"]) in readme
