"""Compile the Kubeflow pipelines to YAML, or run the project's pipeline here with ``kfp.local``.

    python -P -m <package>.pipelines.kubeflow compile [--output-dir build/kfp]
    python -P -m <package>.pipelines.kubeflow run

``-P`` keeps the working directory off ``sys.path``: at the project root, the ``docker/`` folder
would otherwise shadow the ``docker`` package that ``kfp.local`` probes for.

``make pipeline-compile`` and ``make pipeline`` call these. kfp and the scientific stack take
seconds to import, so each command imports what it needs when it runs: compiling needs neither
pandas nor scikit-learn.
"""

import importlib
import importlib.util
import warnings
from pathlib import Path
from typing import Annotated, Any, cast

import typer

SCORING_MODULE = f"{__package__}.scoring"
"""Generated only when the project scores batches: its pipeline then trains and scores."""

app = typer.Typer(
    help="Compile or run the Kubeflow pipeline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def pipelines() -> dict[str, Any]:
    """The project's pipelines by file name; the last one is what ``run`` runs."""
    from .training import training_pipeline

    found: dict[str, Any] = {"training": training_pipeline}
    # A file of the project, not a setting: the scoring module exists when batch scoring does.
    if importlib.util.find_spec(SCORING_MODULE) is not None:
        scoring = importlib.import_module(SCORING_MODULE)
        found["training-and-scoring"] = scoring.training_and_scoring_pipeline
    return found


@app.command("compile")
def compile_pipelines(
    output_dir: Annotated[Path, typer.Option(help="Where to write <pipeline>.yaml.")] = Path(
        "build/kfp"
    ),
) -> None:
    """Compile every pipeline to the YAML that a Kubeflow Pipelines cluster runs."""
    from kfp import compiler

    from .components import IMAGE

    output_dir.mkdir(parents=True, exist_ok=True)
    for name, pipeline in pipelines().items():
        target = output_dir / f"{name}.yaml"
        compiler.Compiler().compile(pipeline, str(target))
        typer.echo(f"compiled {target} (image {IMAGE})")


@app.command()
def run() -> None:
    """Run the project's pipeline with kfp.local: each component in a subprocess, here.

    Components run with this environment's Python (``use_venv=False``), so nothing is installed;
    artifacts are written under ``<runs_dir>/kfp``. The exit code says whether every task worked.
    """
    from kfp import local

    from ...settings import get_settings
    from .. import steps

    settings = get_settings()
    pipeline_root = (settings.runs_dir / "kfp").resolve()
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(pipeline_root))
    pipeline = list(pipelines().values())[-1]
    with warnings.catch_warnings():
        # The components name the project's image, not a "python" one; locally, this
        # environment is that image's content, so kfp's warning about it does not apply.
        warnings.filterwarnings(
            "ignore", message=".*non-Python base image", category=RuntimeWarning
        )
        try:
            task = pipeline()
        except RuntimeError as error:
            # kfp.local raises on the first failed task and names it; the task's log is above.
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=1) from None
    typer.echo(steps.describe(cast(steps.RegistrationSummary, task.output)))


if __name__ == "__main__":
    app()
