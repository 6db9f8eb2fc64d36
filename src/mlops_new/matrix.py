"""Every valid combination of the choice questions, derived from copier.yml's own rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlops_new.errors import AnswerError
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
    pairs: tuple[tuple[str, str], ...] = (),
) -> list[dict[str, Any]]:
    """A small set of valid combinations in which every value of every choice question in `keys`
    (default: all) appears at least once, and every valid pair of values of each `(a, b)` in
    `pairs` too.

    Greedy set cover over the valid combinations: deterministic, and close to the minimum for
    matrices of this size.
    """
    every = list(combinations(questionnaire))
    keys = keys or tuple(q.key for q in questionnaire.choice_questions())

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
