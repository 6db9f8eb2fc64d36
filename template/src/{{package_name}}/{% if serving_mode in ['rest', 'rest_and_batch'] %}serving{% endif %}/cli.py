"""The ``serve`` command: run the REST service on uvicorn.

Importing this module is cheap (the project's command line imports it for every command): the
web stack is imported by uvicorn, in each worker process, only when the service starts.
"""

import copy
from typing import Annotated, Any

import typer

APP_FACTORY = f"{__name__.rpartition('.')[0]}.app:create_app"
"""Import string of the application factory: uvicorn imports it in every worker process."""


def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind; 0.0.0.0 listens on every interface.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Worker processes; each loads its own copy of the model and its metrics."
        ),
    ] = 1,
    reload: Annotated[
        bool, typer.Option(help="Restart on code changes (development only; one worker).")
    ] = False,
    access_log: Annotated[
        bool,
        typer.Option(help="Log every request (the /metrics endpoint already counts them)."),
    ] = False,
) -> None:
    """Serve the champion model over HTTP (POST /predict, GET /health /ready /model /metrics)."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from ..console import settings_or_exit

    # Each worker reads the settings again; reading them here first turns a misconfigured
    # environment into one line and exit code 2 instead of a traceback per worker.
    settings_or_exit()

    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        # "auto" picks uvloop and httptools (installed by uvicorn[standard]): faster, and they
        # set TCP_NODELAY, without which kept-alive responses wait on delayed ACKs.
        loop="auto",
        http="auto",
        access_log=access_log,
        log_config=_log_config(LOGGING_CONFIG),
        # Do not advertise the server software to clients.
        server_header=False,
        # On shutdown, give in-flight requests this long to finish before closing them.
        timeout_graceful_shutdown=15,
    )


def _log_config(uvicorn_config: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging configuration, plus this package's loggers at INFO in the same format.

    uvicorn applies it in every worker process, so model loads and swaps are logged there too.
    """
    config = copy.deepcopy(uvicorn_config)
    package = __name__.split(".")[0]
    config["loggers"][package] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
