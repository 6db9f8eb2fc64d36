"""A typed view of copier.yml: the questions, their rules, the groups and the presets.

copier.yml is the single source of truth. This module reads it and evaluates its Jinja
expressions (`when`, templated `choices` and `default`, `validator`) the way copier does, so the
wizard, `mlops-new options`, the presets and the matrix all follow the same rules without a second
list. copier itself checks the answers again when it renders.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from mlops_new.errors import AnswerError, UserError
from mlops_new.template_source import copier_yml

# copier's own spelling of booleans in `when` (a YAML-like subset).
_TRUE_WORDS = {"y", "yes", "t", "true", "on", "1"}
_FALSE_WORDS = {"n", "no", "f", "false", "off", "0", "", "none", "null", "~"}


@dataclass(frozen=True)
class Choice:
    """One allowed value of a choice question; `disabled_reason` is set when a rule forbids it."""

    label: str
    value: Any
    disabled_reason: str = ""


@dataclass(frozen=True)
class Question:
    """One question of copier.yml, with its raw (possibly templated) settings."""

    key: str
    type: str
    help: str
    default: Any
    raw_choices: Any = None
    validator: str = ""
    when: Any = True

    @property
    def is_computed(self) -> bool:
        """True for values copier never asks (``when: false``): derived, not recorded."""
        return self.when is False

    @property
    def has_choices(self) -> bool:
        return self.raw_choices is not None


@dataclass(frozen=True)
class Group:
    """Questions shown together in the wizard, in the order of the method."""

    title: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Preset:
    """A named set of answers applied before the user's own."""

    name: str
    help: str
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class Resolved:
    """The outcome of walking the questionnaire: answers and the context used to render them."""

    answers: dict[str, Any]
    skipped: tuple[str, ...] = ()


#: ask(question, choices, default, context) -> answer: how the wizard plugs into resolve().
AskFunction = Callable[[Question, list[Choice], Any, Mapping[str, Any]], Any]


@dataclass
class Questionnaire:
    """All questions of copier.yml in order, plus the `_mlops_new` groups and presets."""

    questions: tuple[Question, ...]
    groups: tuple[Group, ...]
    presets: dict[str, Preset]
    interacting: tuple[tuple[str, str], ...] = ()
    """Pairs of options whose every valid pair of values the covering set must contain."""
    _env: SandboxedEnvironment = field(default_factory=lambda: _jinja_env(), repr=False)
    _compiled: dict[str, Template] = field(default_factory=dict, repr=False)

    # -- lookup -------------------------------------------------------------------------------

    @property
    def asked(self) -> tuple[Question, ...]:
        """Questions a person can answer (computed values excluded)."""
        return tuple(q for q in self.questions if not q.is_computed)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.asked)

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key and not q.is_computed:
                return q
        raise AnswerError(key, f"unknown question {key!r}; known keys: {', '.join(self.keys)}")

    def group_of(self, key: str) -> str:
        for group in self.groups:
            if key in group.keys:
                return group.title
        return "Other"

    def preset(self, name: str) -> Preset:
        try:
            return self.presets[name]
        except KeyError:
            allowed = ", ".join(self.presets)
            raise UserError(f"unknown preset {name!r}; available presets: {allowed}") from None

    # -- evaluation ---------------------------------------------------------------------------

    def render(self, text: str, context: Mapping[str, Any]) -> str:
        """Render one Jinja expression of copier.yml with the answers known so far."""
        try:
            return self._compile(text).render(**context)
        except TemplateError as error:  # a broken copier.yml, not a user error
            raise RuntimeError(f"copier.yml: cannot render {text!r}: {error}") from error

    def _compile(self, text: str) -> Template:
        # The matrix renders the same few expressions thousands of times: compile each once.
        if text not in self._compiled:
            self._compiled[text] = self._env.from_string(text)
        return self._compiled[text]

    def _render_value(self, value: Any, context: Mapping[str, Any]) -> Any:
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            return self.render(value, context)
        return value

    def applies(self, question: Question, context: Mapping[str, Any]) -> bool:
        """Evaluate `when`: does this question apply given the previous answers?"""
        when = self._render_value(question.when, context)
        if isinstance(when, bool):
            return when
        word = str(when).strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise RuntimeError(f"copier.yml: `when` of {question.key} rendered to {when!r}")

    def choices(self, question: Question, context: Mapping[str, Any]) -> list[Choice]:
        """The choices of a question for the previous answers (templated choices rendered)."""
        raw = question.raw_choices
        if raw is None:
            return []
        if isinstance(raw, str):
            raw = _parse_rendered_choices(self.render(raw, context)) or []
        items: list[tuple[str, Any]]
        if isinstance(raw, Mapping):
            items = [(str(label), value) for label, value in raw.items()]
        else:
            items = [(str(value), value) for value in raw]
        result = []
        for label, value in items:
            reason = ""
            if isinstance(value, Mapping):  # copier's {value: ..., validator: ...} form
                reason = self.render(str(value.get("validator", "")), context).strip()
                value = value["value"]
            result.append(
                Choice(label=label, value=self.cast(question, value), disabled_reason=reason)
            )
        return result

    def default(self, question: Question, context: Mapping[str, Any]) -> Any:
        """The default answer, rendered and cast to the question's type."""
        return self.cast(question, self._render_value(question.default, context))

    def cast(self, question: Question, value: Any) -> Any:
        """Convert an answer (often a string from the command line) to the question's type."""
        kind = question.type
        try:
            if kind == "int":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                return int(str(value).strip()) if isinstance(value, str) else int(value)
            if kind == "float":
                if isinstance(value, bool):
                    raise ValueError
                number = float(value)
                if not math.isfinite(number):
                    raise ValueError
                return number
            if kind == "bool":
                if isinstance(value, bool):
                    return value
                word = str(value).strip().lower()
                if word in _TRUE_WORDS:
                    return True
                if word in _FALSE_WORDS:
                    return False
                raise ValueError
            if kind in {"yaml", "json"}:
                return yaml.safe_load(value) if isinstance(value, str) else value
        except (TypeError, ValueError):
            article = "an" if kind == "int" else "a"
            name = {"int": "integer", "float": "finite number", "bool": "yes/no value"}.get(
                kind, kind
            )
            message = f"{question.key} must be {article} {name}, got {value!r}"
            raise AnswerError(question.key, message) from None
        if value is None:
            return ""
        return str(value)

    def check(self, question: Question, value: Any, context: Mapping[str, Any]) -> None:
        """Raise AnswerError if `value` breaks a rule of copier.yml for this question."""
        if question.has_choices:
            choices = self.choices(question, context)
            match = next((c for c in choices if c.value == value), None)
            if match is None:
                # A rule's own message says why a choice is missing (kubeflow needs kubernetes).
                self._check_validator(question, value, context)
                allowed = ", ".join(str(c.value) for c in choices if not c.disabled_reason)
                raise AnswerError(
                    question.key,
                    f"{question.key} must be one of: {allowed} (got {value!r})",
                )
            if match.disabled_reason:
                raise AnswerError(question.key, f"{question.key}={value}: {match.disabled_reason}")
        self._check_validator(question, value, context)

    def _check_validator(self, question: Question, value: Any, context: Mapping[str, Any]) -> None:
        if question.validator:
            message = self.render(question.validator, {**context, question.key: value}).strip()
            if message:
                raise AnswerError(question.key, message)

    def resolve(
        self,
        provided: Mapping[str, Any],
        ask: AskFunction | None = None,
    ) -> Resolved:
        """Walk the questions in order and return the final answers.

        `provided` answers win; otherwise `ask` is called (the wizard) or the default is taken.
        Unknown keys and answers that break a rule raise AnswerError naming the key.
        """
        unknown = sorted(set(provided) - set(self.keys))
        if unknown:
            raise AnswerError(
                unknown[0],
                f"unknown question {unknown[0]!r}; known keys: {', '.join(self.keys)}",
            )
        context: dict[str, Any] = {}
        answers: dict[str, Any] = {}
        skipped: list[str] = []
        for question in self.questions:
            if question.is_computed:
                context[question.key] = self.default(question, context)
                continue
            if not self.applies(question, context):
                skipped.append(question.key)
                continue
            if question.key in provided:
                value = self.cast(question, provided[question.key])
            elif ask is not None:
                value = self.cast(
                    question,
                    ask(
                        question,
                        self.choices(question, context),
                        self.default(question, context),
                        context,
                    ),
                )
            else:
                value = self.default(question, context)
            self.check(question, value, context)
            answers[question.key] = value
            context[question.key] = value
        return Resolved(answers=answers, skipped=tuple(skipped))

    def choice_questions(self) -> Iterator[Question]:
        """The questions with a closed set of answers: the axes of the option matrix."""
        return (q for q in self.asked if q.has_choices)


def _jinja_env() -> SandboxedEnvironment:
    """The same kind of environment copier renders copier.yml with (ansible filters, strict)."""
    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
    )


def parse(path: Path) -> Questionnaire:
    """Read a copier.yml file into a Questionnaire."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise UserError(f"cannot read the questionnaire {path}: {error}") from error
    questions = []
    for key, spec in data.items():
        if key.startswith("_"):
            continue
        if not isinstance(spec, Mapping):  # copier's short form `key: default`
            spec = {"default": spec}
        questions.append(
            Question(
                key=key,
                type=str(spec.get("type", "str")),
                help=str(spec.get("help", "")),
                default=spec.get("default"),
                raw_choices=spec.get("choices"),
                validator=str(spec.get("validator", "")),
                when=spec.get("when", True),
            )
        )
    settings = data.get("_mlops_new", {})
    groups = tuple(
        Group(title=str(g["title"]), keys=tuple(g["questions"])) for g in settings.get("groups", [])
    )
    presets = {
        name: Preset(name=name, help=str(p.get("help", "")), answers=dict(p.get("answers") or {}))
        for name, p in settings.get("presets", {}).items()
    }
    interacting = tuple(
        (str(a), str(b)) for a, b in settings.get("matrix", {}).get("interacting", [])
    )
    return Questionnaire(
        questions=tuple(questions), groups=groups, presets=presets, interacting=interacting
    )


@cache
def load() -> Questionnaire:
    """The questionnaire of the template mlops-new renders."""
    return parse(copier_yml())


@cache
def _parse_rendered_choices(text: str) -> Any:
    # Cached: enumerating the matrix renders the same few choice lists thousands of times.
    # Callers only read the result.
    return yaml.safe_load(text)
