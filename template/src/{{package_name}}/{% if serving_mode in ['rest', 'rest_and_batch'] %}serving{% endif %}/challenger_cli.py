"""The ``challenger`` commands: set, clear and show the registry's ``challenger`` alias.

The REST service compares the challenger with the champion when ``APP_CHALLENGER_MODE`` is
``split`` (a share of the traffic) or ``shadow`` (scored and logged, never returned). It watches
the alias in the local model store and picks a change up within seconds, without restart. With
MLflow, ``set`` also exports the version into the local store, as promotion does.

Cheap to import, like every command module: the registry is imported when a command runs.
"""

import json
from typing import TYPE_CHECKING, Annotated

import typer

from ..console import settings_or_exit

if TYPE_CHECKING:
    from ..registry import ModelRecord

challenger_app = typer.Typer(
    help="The challenger: a model version the service compares with the champion.",
    no_args_is_help=True,
)


@challenger_app.command("set")
def set_challenger(
    version: Annotated[str, typer.Argument(help="The model version to challenge the champion.")],
) -> None:
    """Make VERSION the challenger; the champion does not change."""
    from ..registry import ModelNotFoundError, open_store

    settings = settings_or_exit()
    try:
        record = open_store(settings).set_challenger(version)
    except ModelNotFoundError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"challenger: version {record.version}")
    if settings.challenger_mode == "off":
        typer.echo(
            "note: APP_CHALLENGER_MODE is off; set it to split or shadow for the service to use "
            "the challenger",
            err=True,
        )


@challenger_app.command("clear")
def clear_challenger() -> None:
    """Remove the challenger: the service then answers with the champion only."""
    from ..registry import open_store

    open_store(settings_or_exit()).clear_challenger()
    typer.echo("challenger: none")


@challenger_app.command("show")
def show_challenger(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show the challenger, and how the service is configured to use it."""
    from ..registry import open_store

    settings = settings_or_exit()
    record = open_store(settings).challenger()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "challenger": None if record is None else _describe(record),
                    "mode": settings.challenger_mode,
                    "share": settings.challenger_share,
                },
                indent=2,
            )
        )
        return
    if record is None:
        typer.echo("challenger: none")
        return
    usage: str = settings.challenger_mode
    if usage == "split":
        usage = f"split, share {settings.challenger_share:g}"
    typer.echo(f"challenger: version {record.version} (mode {usage})")
    typer.echo(f"created:    {record.created_at}, git {record.git_sha or 'unknown'}")
    for name, value in sorted(record.metrics.items()):
        typer.echo(f"  {name:<12} {value:.4f}")


def _describe(record: "ModelRecord") -> dict[str, object]:
    return {
        "version": record.version,
        "metrics": record.metrics,
        "created_at": record.created_at,
        "git_sha": record.git_sha,
        "run_id": record.run_id,
        "source": record.source,
    }


__all__ = ["challenger_app"]
