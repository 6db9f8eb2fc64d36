"""Every valid combination of the choice questions, derived from copier.yml's own rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlops_new.errors import AnswerError, UserError
from mlops_new.questions import Questionnaire


def combinations(questionnaire: Questionnaire) -> Iterator[dict[str, Any]]:
    """Yield each valid assignment of the choice questions, in copier.yml order.

    Walks the questions depth-first with the answers so far as context, so templated choices
    (the metric depends on the problem type), `when` conditions and per-choice validators are
    applied exactly as copier applies them. Free-text questions keep their defaults.
    """
    yield from _walk(questionnaire, 0, {}, {})


def _walk(
    questionnaire: Questionnaire,
    index: int,
    context: dict[str, Any],
    combo: dict[str, Any],
) -> Iterator[dict[str, Any]]:
    questions = questionnaire.questions
    if index == len(questions):
        yield dict(combo)
        return
    question = questions[index]
    if question.is_computed:
        context = {**context, question.key: questionnaire.default(question, context)}
        yield from _walk(questionnaire, index + 1, context, combo)
        return
    if not questionnaire.applies(question, context):
        yield from _walk(questionnaire, index + 1, context, combo)
        return
    if not question.has_choices:
        value = questionnaire.default(question, context)
        yield from _walk(questionnaire, index + 1, {**context, question.key: value}, combo)
        return
    for choice in questionnaire.choices(question, context):
        if choice.disabled_reason:
            continue
        try:
            questionnaire.check(question, choice.value, context)
        except AnswerError:
            continue
        yield from _walk(
            questionnaire,
            index + 1,
            {**context, question.key: choice.value},
            {**combo, question.key: choice.value},
        )


def label(combo: Mapping[str, Any]) -> str:
    """A short, stable name for a combination (for test ids and CI job names)."""
    return "-".join(str(v) for v in combo.values())


def covering(
    questionnaire: Questionnaire,
    keys: tuple[str, ...] | None = None,
    pairs: tuple[tuple[str, str], ...] | None = None,
) -> list[dict[str, Any]]:
    """A small set of valid combinations in which every value of every choice question in `keys`
    (default: all) appears at least once, and every valid pair of values of each `(a, b)` in
    `pairs` too (default: the interacting options of copier.yml's `_mlops_new.matrix`).

    Greedy set cover over the valid combinations: deterministic, and close to the minimum for
    matrices of this size.
    """
    every = list(combinations(questionnaire))
    keys = keys or tuple(q.key for q in questionnaire.choice_questions())
    pairs = questionnaire.interacting if pairs is None else pairs

    def features(combo: Mapping[str, Any]) -> set[tuple[Any, ...]]:
        found: set[tuple[Any, ...]] = {(k, combo[k]) for k in keys if k in combo}
        found |= {(a, combo[a], b, combo[b]) for a, b in pairs if a in combo and b in combo}
        return found

    needed: set[tuple[Any, ...]] = set().union(*(features(c) for c in every)) if every else set()
    chosen: list[dict[str, Any]] = []
    while needed:
        best = max(every, key=lambda c: len(features(c) & needed))
        chosen.append(best)
        needed -= features(best)
    return chosen


def shard(combos: list[dict[str, Any]], spec: str) -> list[dict[str, Any]]:
    """The `K/N` slice of `combos`: every N-th one from the K-th (1-based), so slices stay even.

    Raises UserError when `spec` is not two integers with 1 <= K <= N.
    """
    index, _, count = spec.partition("/")
    try:
        k, n = int(index), int(count)
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise UserError(f"--shard expects K/N with 1 <= K <= N, for example 3/40; got {spec!r}")
    return combos[k - 1 :: n]


def markdown(questionnaire: Questionnaire) -> str:
    """The option matrix as a Markdown page (docs/option-matrix.md), all derived from copier.yml.

    The options and their values, the pairs of values no valid combination has (the rules, seen
    from their effect), the number of valid combinations and the covering set.
    """
    every = list(combinations(questionnaire))
    keys = [q.key for q in questionnaire.choice_questions()]
    cover = covering(questionnaire)
    lines = [
        "# The option matrix",
        "",
        "Generated from copier.yml by `mlops-new matrix --format markdown`; "
        "tests/test_cli.py fails when this page and copier.yml disagree.",
        "",
        f"**{len(every)} valid combinations** of {len(keys)} options; "
        f"a covering set of **{len(cover)}**.",
        "",
        "## Options",
        "",
        "| option | values |",
        "|---|---|",
    ]
    for key in keys:
        values = sorted({str(combo[key]) for combo in every if key in combo})
        lines.append(f"| `{key}` | {', '.join(f'`{value}`' for value in values)} |")
    lines += [
        "",
        "## Rules",
        "",
        "Pairs of values that no valid combination holds: copier.yml's `when`, templated choices "
        "and validators exclude them, in the wizard, in `--set` and answers files, and in plain "
        "copier alike.",
        "",
        "| option | value | excludes |",
        "|---|---|---|",
    ]
    for index, a in enumerate(keys):
        for b in keys[index + 1 :]:
            seen = {(combo.get(a), combo.get(b)) for combo in every}
            values_a = sorted({str(combo[a]) for combo in every if a in combo})
            values_b = sorted({str(combo[b]) for combo in every if b in combo})
            for value_a in values_a:
                excluded = [
                    value_b
                    for value_b in values_b
                    if not any(str(x) == value_a and str(y) == value_b for x, y in seen)
                ]
                if excluded:
                    lines.append(
                        f"| `{a}` | `{value_a}` | `{b}` = {', '.join(f'`{v}`' for v in excluded)} |"
                    )
    pairs = ", ".join(f"{a} with {b}" for a, b in questionnaire.interacting)
    lines += [
        "",
        "## The covering set",
        "",
        f"Every value of every option, and every valid pair of values of {pairs}, at least once "
        "(`mlops-new matrix --covering`): the projects CI sets up, tests and runs on every push.",
        "",
        "| " + " | ".join(keys) + " |",
        "|" + "---|" * len(keys),
    ]
    lines += ["| " + " | ".join(str(combo.get(key, "")) for key in keys) + " |" for combo in cover]
    lines += [
        "",
        "## How CI proves them",
        "",
        "- `uv run pytest -n auto` (`.ci/run`, and the `suite` job of `.github/workflows/ci.yml`): "
        "every valid combination rendered and checked (exact file tree, no leftover Jinja, every "
        "Python file compiles, every YAML/TOML/JSON parses, ruff, the artifact validators), and "
        "the covering set's projects set up, tested and run (`make setup test pipeline`, batch, "
        "alert rules, drift).",
        "- The `pythons` job: the covering set's projects again for each Python version offered.",
        "- The `projects` job (weekly, on release tags, on demand): every valid combination's "
        "project, sharded with `mlops-new matrix --shard K/N`; locally, "
        "`MLOPS_NEW_FULL_MATRIX=1 uv run pytest -m slow -n auto`.",
        "",
    ]
    return "\n".join(lines)
