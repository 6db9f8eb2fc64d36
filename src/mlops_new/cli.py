"""The `mlops-new` command line: a thin typer layer over questions, prompts, render and matrix.

`mlops-new PATH` is short for `mlops-new new PATH`. Heavy imports (copier, questionary) happen
inside the commands so that `mlops-new --help` stays instant.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mlops_new import __version__
from mlops_new.errors import UserError


class _DefaultToNew(TyperGroup):
    """Route `mlops-new PATH ...` to the `new` command when PATH is not a command name."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["new", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultToNew,
    help=(
        "Generate a production ML repository that trains, tracks, serves, scores and documents "
        "itself.\n\nRun `mlops-new PATH` for the wizard, or `mlops-new PATH --no-input` with "
        "--preset/--set for scripts."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class MatrixFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlops-new {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Generate production ML repositories."""


@app.command()
def new(
    path: Annotated[Path, typer.Argument(help="Directory to create the project in.")],
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Ask nothing: use presets, files, --set, defaults.")
    ] = False,
    preset: Annotated[
        str | None, typer.Option("--preset", help="Start from a named preset (see `options`).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Answer a question: KEY=VALUE (repeatable)."),
    ] = None,
    answers_file: Annotated[
        Path | None, typer.Option("--answers-file", help="YAML file of answers.")
    ] = None,
    git: Annotated[
        bool, typer.Option("--git/--no-git", help="git init and commit the new project.")
    ] = True,
    lock: Annotated[
        bool, typer.Option("--lock/--no-lock", help="Pin dependencies in uv.lock (needs uv).")
    ] = True,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Render into a non-empty directory.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation after the summary.")
    ] = False,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Template git source to record for `copier update`: a URL (a fork), or a local "
            "checkout to render from (default: $MLOPS_NEW_TEMPLATE_URL, else the canonical "
            "repository at this version's tag).",
        ),
    ] = None,
) -> None:
    """Create a new project at PATH."""
    from mlops_new import answers as answer_sources
    from mlops_new import questions, render, template_source

    questionnaire = questions.load()
    provided = answer_sources.collect(
        questionnaire, preset=preset, answers_file=answers_file, set_options=set_ or ()
    )
    # Check the destination before asking anything: a wizard that ends in "not empty" wastes time.
    render.check_destination(path.absolute(), overwrite=overwrite)
    origin = template_source.resolve_origin(template)
    if "project_name" not in provided and "project_slug" not in provided and no_input:
        provided.setdefault("project_name", _name_from_path(path))
    if no_input:
        answers = questionnaire.resolve(provided).answers
    else:
        answers = _interactive(questionnaire, provided, path, yes)
    project = render.render(answers, path, origin=origin, overwrite=overwrite)
    typer.echo(f"Created {answers['project_name']!r} in {project}")
    from mlops_new import gitops

    if lock:
        try:
            gitops.lock_dependencies(project)
            typer.echo("Pinned the dependencies in uv.lock")
        except gitops.LockError as error:
            typer.echo(f"warning: {error}", err=True)
    if git:
        try:
            commit = gitops.init_and_commit(
                project, answers["author_name"], answers["author_email"]
            )
            typer.echo(f"Initialised a git repository (first commit {commit})")
        except gitops.GitError as error:
            typer.echo(f"warning: project created, but {error}", err=True)
    typer.echo(_next_steps(project, answers))


def _interactive(
    questionnaire: Any, provided: dict[str, Any], path: Path, yes: bool
) -> dict[str, Any]:
    from mlops_new import prompts, summary

    if not sys.stdin.isatty():
        raise UserError("no terminal to ask questions on; use --no-input with --preset/--set")
    provided.setdefault("project_name", _name_from_path(path))
    # The name comes from PATH: do not ask it again, but let the user change everything else.
    suggested_name = provided.pop("project_name")
    answers = prompts.run_wizard(
        questionnaire,
        provided,
        prompts.questionary_prompter,
        typer.echo,
        suggestions={"project_name": suggested_name},
    )
    typer.echo("\n" + summary.render_summary(questionnaire, answers) + "\n")
    if not yes and not prompts.confirm(prompts.questionary_prompter, "Generate this project?"):
        raise UserError("cancelled: nothing was written")
    return answers


def _name_from_path(path: Path) -> str:
    name = path.absolute().name
    return name.replace("-", " ").replace("_", " ").strip().title() or "My MLOps Project"


def _next_steps(project: Path, answers: dict[str, Any]) -> str:
    steps = ["", "Next steps:", f"  cd {project}", "  make setup", "  make test", "  make train"]
    if answers["serving_mode"] in {"rest", "rest_and_batch"}:
        steps.append("  make serve      # then: curl localhost:8000/ready")
    if answers["serving_mode"] in {"batch", "rest_and_batch"}:
        steps.append("  make batch")
    if answers["deploy_target"] == "compose":
        steps.append("  make up         # the local production stack (needs Docker); make down")
    else:
        steps.append("  make k8s-render ENV=staging   # the manifests; deploy/k8s/README.md")
    steps.append("  (docs/ explains each step of the method)")
    return "\n".join(steps)


@app.command()
def update(
    path: Annotated[
        Path, typer.Argument(help="The project to update (default: the current directory).")
    ] = Path(),
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Change an answer: KEY=VALUE (repeatable)."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Template version (git tag or commit) to update to; default: the newest tag.",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Fetch the template from here (a local clone, a mirror) instead of the "
            "recorded source, which stays recorded.",
        ),
    ] = None,
) -> None:
    """Update a project to a new template version, or change its options, keeping the team's edits.

    The project must be a clean git checkout. Conflicts are left in the files, marked, and listed;
    the exit code is then 1.
    """
    from mlops_new import update as updating

    project = path.resolve()
    recorded = updating.read_recorded_answers(project)
    changes = updating.changed_answers(recorded, set_ or ())
    report = updating.update_project(project, set_options=changes, to_ref=to, template=template)
    for line in report.lines():
        typer.echo(line)
    if report.conflicts:
        raise typer.Exit(code=updating.CONFLICT_EXIT_CODE)


@app.command()
def options(
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for scripts.")
    ] = OutputFormat.text,
) -> None:
    """Print every question with its choices, default and rules, and the presets."""
    from mlops_new import catalog

    if output_format is OutputFormat.json:
        typer.echo(json.dumps(catalog.as_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(catalog.as_text())


@app.command()
def matrix(
    output_format: Annotated[
        MatrixFormat,
        typer.Option(
            "--format", help="json (a CI matrix), text, or markdown (the docs page, whole)."
        ),
    ] = MatrixFormat.json,
    covering: Annotated[
        bool,
        typer.Option(
            "--covering",
            help="A small set with every value of every option and every valid pair of the "
            "interacting options (copier.yml, _mlops_new.matrix).",
        ),
    ] = False,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Only the K-th of N interleaved slices (1 <= K <= N), for CI jobs.",
        ),
    ] = None,
) -> None:
    """Every valid combination of the choice questions, from copier.yml's rules."""
    from mlops_new import matrix as option_matrix
    from mlops_new import questions

    questionnaire = questions.load()
    if output_format is MatrixFormat.markdown:
        typer.echo(option_matrix.markdown(questionnaire), nl=False)
        return
    combos = (
        option_matrix.covering(questionnaire)
        if covering
        else list(option_matrix.combinations(questionnaire))
    )
    if shard is not None:
        combos = option_matrix.shard(combos, shard)
    if output_format is MatrixFormat.json:
        typer.echo(json.dumps(combos, indent=2))
    else:
        for combo in combos:
            typer.echo(" ".join(f"{k}={v}" for k, v in combo.items()))
        typer.echo(f"{len(combos)} combinations", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line and exit code 2 for user errors, 130 for Ctrl-C."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="mlops-new", standalone_mode=False)
    except UserError as error:
        typer.echo(f"error: {error}", err=True)
        return error.exit_code
    except typer.Exit as done:
        return done.exit_code
    except typer.TyperException as error:  # usage errors: unknown option, missing argument
        typer.echo(f"error: {error.format_message()}", err=True)
        return getattr(error, "exit_code", 2)
    except (KeyboardInterrupt, typer.Abort):
        result = 130
    if result == 130:  # typer turns Ctrl-C into exit code 130
        typer.echo("\nAborted: nothing was written.", err=True)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
