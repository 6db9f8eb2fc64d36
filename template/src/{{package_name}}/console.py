"""What every command of the command line shares: the settings, or one line and exit code 2.

A misconfigured environment (an unknown metric, a malformed number in an ``APP_*`` variable) is a
user error: it gets one line naming the variable, never a traceback. Settings are imported when a
command runs, so that ``--help`` answers at once.
"""

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from .settings import Settings

INVALID_SETTINGS_EXIT_CODE = 2


def settings_or_exit() -> "Settings":
    """The settings, or a one-line error and exit code 2 when the environment is invalid."""
    from .settings import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=INVALID_SETTINGS_EXIT_CODE) from None
