"""Static checks of a rendered project: no leftover Jinja, code compiles, data files parse, ruff."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

# `${{ ... }}` is GitHub Actions' own expression syntax, not a leftover of the template.
_LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#")

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


def leftover_jinja(project: Path) -> list[str]:
    """`file:line` of every line that still holds Jinja syntax."""
    found = []
    for path in text_files(project):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _LEFTOVER_JINJA.search(line):
                found.append(f"{path.relative_to(project)}:{number}: {line.strip()}")
    return found


def compile_python(project: Path) -> None:
    for path in project.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


def parse_data_files(project: Path) -> int:
    """Parse every YAML, TOML and JSON file; return how many were parsed."""
    count = 0
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        text = path.read_text(encoding="utf-8") if path.suffix in _TEXT_SUFFIXES else ""
        if path.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(text))
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)
        else:
            continue
        count += 1
    return count


def ruff(project: Path) -> None:
    """`ruff check` and `ruff format --check` with the project's own configuration."""
    for args in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"ruff {' '.join(args)}:\n{result.stdout}{result.stderr}"
