"""The ``serve`` command: run the REST service on uvicorn.

Importing this module is cheap (the project's command line imports it for every command): the
web stack is imported by uvicorn, in each worker process, only when the service starts.

Stopping: on SIGTERM (how Docker and Kubernetes stop a container), uvicorn stops accepting
connections, lets the requests in flight finish (their bodies may still be arriving) for up to
``SHUTDOWN_GRACE_SECONDS``, runs the application's shutdown (the prediction log's buffered rows
are written), and the process exits 0.
"""

import copy
import signal
from types import FrameType
from typing import Annotated, Any, Final

import typer

APP_FACTORY = f"{__name__.rpartition('.')[0]}.app:create_app"
"""Import string of the application factory: uvicorn imports it in every worker process."""

SHUTDOWN_GRACE_SECONDS: Final = 15
"""How long requests in flight get to finish once the service is told to stop.

Longer than the body timeout (``request_body_timeout_seconds``, 10 s by default), so that a request
whose body is still arriving gets its answer or its 408 rather than a cut connection. Shorter than
what the platform waits before it kills the process, which must be kept in step with it: on
Kubernetes the pods' ``terminationGracePeriodSeconds`` (30 s: a 5 s preStop sleep, this, and a
margin), with compose the service's ``stop_grace_period``.
"""


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

    # A completed graceful shutdown exits 0, with one worker as with several (uvicorn's
    # supervisor of several workers exits 0 by itself). The caller's handler is put back after.
    previous = signal.signal(signal.SIGTERM, _exit_after_shutdown)
    try:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=None if reload else workers,
            reload=reload,
            # "auto" picks uvloop and httptools (installed by uvicorn[standard]): faster, and
            # they set TCP_NODELAY, without which kept-alive responses wait on delayed ACKs.
            loop="auto",
            http="auto",
            access_log=access_log,
            log_config=_log_config(LOGGING_CONFIG),
            # Do not advertise the server software to clients.
            server_header=False,
            # On shutdown, give in-flight requests this long to finish before closing them.
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_after_shutdown(signum: int, frame: FrameType | None) -> None:
    """Exit 0: the SIGTERM that uvicorn re-raises once it has shut down gracefully.

    With one worker, uvicorn handles SIGTERM while it serves, then restores this handler and
    raises the signal again, which would end the process as killed by SIGTERM (status 143) after
    a clean shutdown. Before uvicorn has started, SIGTERM still stops the process at once.
    """
    raise SystemExit(0)


def _log_config(uvicorn_config: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging configuration, plus this package's loggers at INFO in the same format.

    uvicorn applies it in every worker process, so model loads and swaps are logged there too.
    """
    config = copy.deepcopy(uvicorn_config)
    package = __name__.split(".")[0]
    config["loggers"][package] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
