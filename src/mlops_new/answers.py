"""Collect the answers given without prompts: a preset, an answers file, and `--set KEY=VALUE`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from mlops_new.errors import UserError
from mlops_new.questions import Questionnaire


def parse_set_options(pairs: Iterable[str]) -> dict[str, str]:
    """Turn `KEY=VALUE` strings into a mapping; the value is cast later by the question's type."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--set expects KEY=VALUE, got {pair!r}")
        result[key] = value
    return result


def read_answers_file(path: Path) -> dict[str, Any]:
    """Read a YAML answers file (for example another project's .copier-answers.yml).

    Keys starting with `_` are copier's bookkeeping and are ignored.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"cannot read answers file {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise UserError(f"answers file {path} is not valid YAML: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise UserError(f"answers file {path} must hold a mapping of question keys to answers")
    return {str(k): v for k, v in data.items() if not str(k).startswith("_")}


def collect(
    questionnaire: Questionnaire,
    *,
    preset: str | None = None,
    answers_file: Path | None = None,
    set_options: Iterable[str] = (),
) -> dict[str, Any]:
    """Merge the sources of answers; later sources win: preset < answers file < --set."""
    provided: dict[str, Any] = {}
    if preset:
        provided.update(questionnaire.preset(preset).answers)
    if answers_file:
        provided.update(read_answers_file(answers_file))
    provided.update(parse_set_options(set_options))
    return provided
