"""`mlops-new options`: every question with its choices, default and rules, and the presets."""

from __future__ import annotations

from typing import Any

from mlops_new.questions import Question, Questionnaire, load


def _describe(
    questionnaire: Questionnaire, question: Question, context: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": question.key,
        "type": question.type,
        "group": questionnaire.group_of(question.key),
        "help": questionnaire.render(question.help, context)
        if "{" in question.help
        else question.help,
        "default": questionnaire.default(question, context),
    }
    if question.has_choices:
        entry["choices"] = [c.value for c in questionnaire.choices(question, context)]
    if isinstance(question.raw_choices, str):
        entry["rule"] = "choices depend on earlier answers"
    if question.validator:
        entry["validated"] = True
    if question.when is not True:
        entry["when"] = question.when
    return entry


def as_dict() -> dict[str, Any]:
    """The questionnaire as data: questions (with defaults for the default answers), presets."""
    questionnaire = load()
    defaults = questionnaire.resolve({}).answers
    context: dict[str, Any] = {}
    for q in questionnaire.questions:
        if q.is_computed:
            context[q.key] = questionnaire.default(q, context)
    context.update(defaults)
    entries = []
    for question in questionnaire.asked:
        entry = _describe(questionnaire, question, context)
        if question.key == "primary_metric":  # show every problem type's metrics, not one
            entry["choices_by_problem_type"] = {
                problem: [
                    c.value
                    for c in questionnaire.choices(question, {**context, "problem_type": problem})
                ]
                for problem in [
                    c.value
                    for c in questionnaire.choices(questionnaire.question("problem_type"), context)
                ]
            }
        entries.append(entry)
    return {
        "questions": entries,
        "presets": {
            name: {"help": p.help, "answers": dict(p.answers)}
            for name, p in questionnaire.presets.items()
        },
    }


def as_text() -> str:
    """The same, for people."""
    data = as_dict()
    lines: list[str] = []
    group = None
    for entry in data["questions"]:
        if entry["group"] != group:
            group = entry["group"]
            lines += ["", group]
        lines.append(f"  {entry['key']} ({entry['type']}): {entry['help']}")
        if "choices_by_problem_type" in entry:
            for problem, values in entry["choices_by_problem_type"].items():
                lines.append(f"      choices when problem_type={problem}: {', '.join(values)}")
        elif "choices" in entry:
            lines.append(f"      choices: {', '.join(str(c) for c in entry['choices'])}")
        lines.append(f"      default: {entry['default']}")
    lines += [
        "",
        "Rules",
        "  primary_metric choices follow problem_type;"
        " metric_threshold must suit the metric; names are validated (see copier.yml).",
    ]
    lines += ["", "Presets (--preset NAME)"]
    for name, preset in data["presets"].items():
        answers = ", ".join(f"{k}={v}" for k, v in preset["answers"].items()) or "the defaults"
        lines.append(f"  {name}: {preset['help']} [{answers}]")
    return "\n".join(lines).lstrip("\n")
