"""The ``bench`` command: a short load test of the service, held to the latency objective.

Without ``--url`` it starts the service as ``serve`` does (one uvicorn worker, the champion, this
environment's settings) on a free loopback port, waits until it is ready, warms it up, measures,
and stops it. With ``--url`` it loads a service already running (a staging deployment, say).
It fails (exit code 1) when the p99 latency exceeds ``latency_slo_ms`` or any request fails;
the figures go to ``reports/bench/summary.json``.
"""

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Annotated

import typer

from ..console import settings_or_exit

if TYPE_CHECKING:
    from .loadtest import LoadTestResult

HOST = "127.0.0.1"
STARTUP_SECONDS = 120
"""Upper bound of the service's start-up: importing the scientific stack takes seconds."""
SAMPLE_ROWS = 100
"""Rows of the bundled data the requests cycle through."""


def bench(
    requests: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Requests to measure.")
    ] = 2000,
    concurrency: Annotated[
        int, typer.Option(min=1, max=512, help="Clients, each on one kept-alive connection.")
    ] = 8,
    rows: Annotated[
        int, typer.Option(min=1, help="Rows per request (1: one JSON object; more: a list).")
    ] = 1,
    warmup: Annotated[int, typer.Option(min=0, help="Requests sent first and not measured.")] = 200,
    max_seconds: Annotated[
        float, typer.Option(min=1, help="Stop measuring after this long, whatever is left.")
    ] = 60.0,
    slo_ms: Annotated[
        float | None,
        typer.Option(help="p99 objective in ms (default: the latency_slo_ms setting)."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(help="Load this running service (http://host:port) instead of starting one."),
    ] = None,
) -> None:
    """Load-test the service briefly; fail if p99 exceeds the objective or any request fails."""
    # Imported here: the command line imports this module for every command (numpy is slow).
    from ..inference import champion_version
    from .loadtest import LoadTestError, request_bodies, run_load_test

    settings = settings_or_exit()
    objective = settings.latency_slo_ms if slo_ms is None else slo_ms
    if objective <= 0:
        typer.echo(f"error: --slo-ms must be positive, got {objective}", err=True)
        raise typer.Exit(code=2)
    if rows > settings.max_rows_per_request:
        typer.echo(
            f"error: --rows {rows} is above the service's max_rows_per_request "
            f"({settings.max_rows_per_request})",
            err=True,
        )
        raise typer.Exit(code=2)
    if url is None and champion_version(settings) is None:
        # Checked before starting a service that could only answer 503.
        typer.echo("error: no champion model to serve: train one first (make train)", err=True)
        raise typer.Exit(code=2)
    bodies = request_bodies(_sample_rows(), rows)
    # The service started here reads the same settings: send its key when it requires one.
    headers = {} if settings.api_key is None else {"X-API-Key": settings.api_key.get_secret_value()}
    try:
        with _service(url) as base_url:
            predict_url = f"{base_url.rstrip('/')}/predict"
            if warmup:
                run_load_test(
                    predict_url,
                    bodies,
                    requests=warmup,
                    concurrency=concurrency,
                    max_seconds=30,
                    headers=headers,
                )
            result = run_load_test(
                predict_url,
                bodies,
                requests=requests,
                concurrency=concurrency,
                max_seconds=max_seconds,
                rows_per_request=rows,
                headers=headers,
            )
    except LoadTestError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    summary = settings.reports_dir / "bench" / "summary.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(
        json.dumps({**result.to_dict(), "latency_slo_ms": objective}, indent=2) + "\n",
        encoding="utf-8",
    )
    typer.echo(describe(result, objective))
    typer.echo(f"written: {summary}")
    problems = verdict(result, objective)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(code=1)


def describe(result: "LoadTestResult", objective_ms: float) -> str:
    """The figures in three lines."""
    return (
        f"{result.requests} requests, {result.concurrency} concurrent, "
        f"{result.rows_per_request} row(s) each, in {result.seconds:.1f} s: "
        f"{result.requests_per_second:.0f} requests/s\n"
        f"latency ms: p50 {result.p50_ms:.2f}  p90 {result.p90_ms:.2f}  p99 {result.p99_ms:.2f}  "
        f"max {result.max_ms:.2f}  (objective: p99 at most {objective_ms:g})\n"
        f"errors: {result.errors}  answers by status: {result.statuses}"
    )


def verdict(result: "LoadTestResult", objective_ms: float) -> list[str]:
    """What breaks the objective: p99 above it, or failed requests. Empty when it holds."""
    problems = []
    if result.p99_ms > objective_ms:
        problems.append(
            f"p99 latency {result.p99_ms:.2f} ms exceeds the objective of {objective_ms:g} ms "
            "(latency_slo_ms)"
        )
    if result.errors:
        detail = f": {result.failures[0]}" if result.failures else ""
        problems.append(
            f"{result.errors} of {result.requests} requests failed {result.statuses}{detail}"
        )
    return problems


def _sample_rows() -> list[dict[str, float]]:
    """Request rows: the first rows of the bundled data, as the service's clients send them."""
    from ..features.build import to_feature_matrix
    from ..tasks import FEATURES, load_dataset

    matrix = to_feature_matrix(load_dataset().head(SAMPLE_ROWS), FEATURES)
    return [dict(zip(FEATURES, map(float, row), strict=True)) for row in matrix]


@contextlib.contextmanager
def _service(url: str | None) -> Iterator[str]:
    """The base URL of the service under test: ``url``, or a ``serve`` process started here."""
    if url is not None:
        yield url
        return
    port = _free_port()
    package = __name__.split(".")[0]
    command = [sys.executable, "-m", package, "serve", "--host", HOST, "--port", str(port)]
    base_url = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        # The project's own serve command, on loopback: no outside input reaches it.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            _wait_until_ready(base_url, process, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(base_url: str, process: "subprocess.Popen[bytes]", log: IO[bytes]) -> None:
    from .loadtest import LoadTestError

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines()
            raise LoadTestError(
                f"the service exited with code {process.returncode}: "
                f"{lines[-1] if lines else 'no output'}"
            )
        try:
            # base_url is http://HOST:port, built here.
            with urllib.request.urlopen(f"{base_url}/ready", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as error:
            # uvicorn answers only once the application has loaded the champion: not ready now
            # means no usable model, and the detail says why.
            detail = json.loads(error.read() or b"{}").get("detail", f"status {error.code}")
            raise LoadTestError(f"the service is not ready: {detail}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise LoadTestError(f"the service did not answer within {STARTUP_SECONDS} s")
