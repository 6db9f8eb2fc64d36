"""The interactive wizard: questionary prompts derived from copier.yml.

The wizard groups questions in the order of the method, offers the presets, explains each choice
with its help text, asks only what applies, and validates each answer with copier.yml's rules as
it is typed. Tests drive it through an injected `Prompter` instead of a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mlops_new.errors import AnswerError
from mlops_new.questions import Choice, Question, Questionnaire


@dataclass(frozen=True)
class Prompt:
    """What to ask: `kind` is "select", "text" or "confirm"."""

    key: str
    kind: str
    message: str
    instruction: str = ""
    choices: tuple[Choice, ...] = ()
    default: Any = None
    validate: Callable[[str], str | None] | None = None


class Prompter(Protocol):
    """Asks one prompt and returns the answer; raises KeyboardInterrupt when the user cancels."""

    def __call__(self, prompt: Prompt) -> Any: ...


def questionary_prompter(prompt: Prompt) -> Any:
    """Ask with questionary in the terminal (imported lazily: it is slow to import)."""
    import questionary

    if prompt.kind == "select":
        choices = [
            questionary.Choice(
                title=c.label,
                value=c.value,
                disabled=c.disabled_reason or None,
            )
            for c in prompt.choices
        ]
        default = next((c for c in choices if c.value == prompt.default), None)
        return questionary.select(
            prompt.message, choices=choices, default=default, instruction=prompt.instruction
        ).unsafe_ask()
    if prompt.kind == "confirm":
        return questionary.confirm(prompt.message, default=bool(prompt.default)).unsafe_ask()

    def validate(text: str) -> bool | str:
        error = prompt.validate(text) if prompt.validate else None
        return error or True

    return questionary.text(
        prompt.message,
        default="" if prompt.default is None else str(prompt.default),
        instruction=prompt.instruction,
        validate=validate,
    ).unsafe_ask()


def run_wizard(
    questionnaire: Questionnaire,
    provided: Mapping[str, Any],
    prompter: Prompter,
    echo: Callable[[str], None],
    suggestions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Ask every applicable question not already answered; return the full, valid answers.

    `suggestions` replace copier.yml's defaults in the prompts (the user can still change them);
    a chosen preset adds its own.
    """
    preset_names = list(questionnaire.presets)
    if preset_names and not provided:
        preset = prompter(
            Prompt(
                key="_preset",
                kind="select",
                message="Start from a preset?",
                instruction="(you can change every answer next)",
                choices=tuple(
                    Choice(label=f"{name}: {questionnaire.presets[name].help}", value=name)
                    for name in preset_names
                ),
                default="standard" if "standard" in preset_names else preset_names[0],
            )
        )
        suggested = {**(suggestions or {}), **questionnaire.preset(str(preset)).answers}
    else:
        suggested = dict(suggestions or {})

    shown_groups: set[str] = set()

    def ask(
        question: Question, choices: list[Choice], default: Any, context: Mapping[str, Any]
    ) -> Any:
        group = questionnaire.group_of(question.key)
        if group not in shown_groups:
            shown_groups.add(group)
            echo(f"\n{group}")
        default = suggested.get(question.key, default)
        help_text = (
            questionnaire.render(question.help, context) if "{" in question.help else question.help
        )

        def validate(text: str) -> str | None:
            try:
                value = questionnaire.cast(question, text)
                questionnaire.check(question, value, context)
            except AnswerError as error:
                return str(error)
            return None

        if choices:
            return prompter(
                Prompt(
                    key=question.key,
                    kind="select",
                    message=help_text,
                    choices=tuple(choices),
                    default=default,
                )
            )
        return prompter(
            Prompt(
                key=question.key,
                kind="text",
                message=help_text,
                instruction=f"[{question.key}]",
                default=default,
                validate=validate,
            )
        )

    return questionnaire.resolve(provided, ask=ask).answers


def confirm(prompter: Prompter, message: str) -> bool:
    """Ask a yes/no question, default yes."""
    return bool(prompter(Prompt(key="_confirm", kind="confirm", message=message, default=True)))
