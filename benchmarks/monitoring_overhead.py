"""What monitoring costs the REST service: requests per second with and without it, under wrk.

Usage (from the generator's repository)::

    uv run python benchmarks/monitoring_overhead.py PROJECT_DIR [--rounds 3] [--duration 10]

PROJECT_DIR is a generated project with REST serving. When it does not exist, the script renders
one with the default answers (classification) and runs ``make setup train`` in it; an existing
project must have been set up and trained already (``make setup train``).

For each configuration the script starts ``python -m <package> serve`` (one uvicorn worker) with
the configuration's ``APP_*`` variables, waits until ``/ready``, warms up with wrk, then runs wrk
(one thread, 8 connections, a Lua script POSTing one row of the sample data) and records requests
per second, latency percentiles and the server's CPU time per request (user and system time of
all its threads, from /proc, over the measured run). Configurations are interleaved round by
round, so a slow moment of a shared machine affects all of them alike, and the median of the
rounds is reported. On a busy machine the CPU time per request is the steadier figure: other
processes slow the server down (fewer requests per second) without adding to its CPU time.

Configurations:

- ``bare``: ``APP_FEATURE_METRICS=false``, ``APP_PREDICTION_LOG_SAMPLE_RATE=0``: HTTP metrics,
  prediction counts and the prediction distribution only.
- ``defaults``: the project's defaults: per-feature input statistics and every request logged.
- ``shadow``: the defaults plus ``APP_CHALLENGER_MODE=shadow``, the champion's version set as the
  challenger: every row is scored twice and logged twice.

``--server-cpus 1 --wrk-cpus 0`` pins the server and wrk to separate CPUs (``taskset``): the
figures are steadier, and with the server on one CPU the prediction log's writer thread shares
it with the event loop, as in a container limited to one CPU.

Prints a table and writes the figures as JSON (``--output``). Needs ``wrk`` (``apt-get install
wrk``). The prediction log goes to a temporary directory; the challenger alias set for the shadow
run is cleared afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # the benchmarks are scripts, not a package

CONFIGURATIONS: Mapping[str, Mapping[str, str]] = {
    "bare": {"APP_FEATURE_METRICS": "false", "APP_PREDICTION_LOG_SAMPLE_RATE": "0"},
    "defaults": {"APP_FEATURE_METRICS": "true", "APP_PREDICTION_LOG_SAMPLE_RATE": "1.0"},
    "shadow": {
        "APP_FEATURE_METRICS": "true",
        "APP_PREDICTION_LOG_SAMPLE_RATE": "1.0",
        "APP_CHALLENGER_MODE": "shadow",
    },
}

ROW_PROGRAM = """\
import json, sys
from {package}.features.build import to_feature_matrix
from {package}.tasks import FEATURES, load_dataset
row = to_feature_matrix(load_dataset().head(1), FEATURES)[0]
json.dump(dict(zip(FEATURES, map(float, row))), sys.stdout)
"""


@dataclass
class Measurement:
    """One wrk run of one configuration."""

    configuration: str
    round: int
    requests_per_second: float
    latency_ms: dict[str, float]
    requests: int
    errors: int
    cpu_us_per_request: float


@dataclass
class Summary:
    """The median of a configuration's runs, and its cost relative to ``bare``."""

    configuration: str
    requests_per_second: float
    runs: list[float]
    p50_ms: float
    p99_ms: float
    cpu_us_per_request: float
    overhead_percent: float | None = None
    microseconds_per_request: float | None = None
    cpu_overhead_percent: float | None = None


def main() -> int:
    arguments = _parse_arguments()
    harness.require_wrk()
    project = arguments.project.resolve()
    if not project.exists():
        print(f"rendering a default project into {project} and training it", flush=True)
        harness.render_project(project, {"serving_mode": "rest", "orchestrator": "none"})
        harness.make(project, "setup", "train")
    package = harness.package_name(project)
    python = harness.project_python(project)
    names = [name for name in CONFIGURATIONS if name in arguments.configurations]

    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="monitoring-overhead-") as scratch_dir:
        scratch = Path(scratch_dir)
        script = harness.post_script(_sample_row(python, package, project), scratch, "row")
        with _challenger_for_shadow(python, package, project, needed="shadow" in names):
            for round_number in range(1, arguments.rounds + 1):
                for name in names:
                    measurement = _measure(
                        name,
                        round_number,
                        python=python,
                        package=package,
                        project=project,
                        script=script,
                        log_dir=scratch / f"predictions-{name}-{round_number}",
                        arguments=arguments,
                    )
                    measurements.append(measurement)
                    print(
                        f"round {round_number} {name:<9} {measurement.requests_per_second:8.0f} "
                        f"req/s  p50 {measurement.latency_ms.get('50', float('nan')):.2f} ms  "
                        f"p99 {measurement.latency_ms.get('99', float('nan')):.2f} ms  "
                        f"cpu {measurement.cpu_us_per_request:.0f} us/request",
                        flush=True,
                    )

    summaries = _summarise(measurements, names)
    _print_table(summaries, arguments)
    report = {
        "project": str(project),
        "package": package,
        "machine": harness.machine(),
        "cpus": {"server": arguments.server_cpus, "wrk": arguments.wrk_cpus},
        "wrk": {
            "threads": 1,
            "connections": arguments.connections,
            "duration_seconds": arguments.duration,
            "warmup_seconds": arguments.warmup,
            "rows_per_request": 1,
        },
        "configurations": {name: dict(CONFIGURATIONS[name]) for name in names},
        "summary": [asdict(summary) for summary in summaries],
        "runs": [asdict(measurement) for measurement in measurements],
    }
    harness.write_report(arguments.output, report)
    return 0


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="a generated project (rendered if missing)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each configuration")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument(
        "--configurations",
        nargs="+",
        default=list(CONFIGURATIONS),
        choices=list(CONFIGURATIONS),
        help="which configurations to measure",
    )
    parser.add_argument(
        "--server-cpus",
        help="run the server on these CPUs only (taskset list, e.g. 1): steadier figures",
    )
    parser.add_argument("--wrk-cpus", help="run wrk on these CPUs only (e.g. 0)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("monitoring-overhead.json"),
        help="where to write the JSON report",
    )
    return parser.parse_args()


def _sample_row(python: Path, package: str, project: Path) -> str:
    return subprocess.run(
        [str(python), "-c", ROW_PROGRAM.format(package=package)],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@contextlib.contextmanager
def _challenger_for_shadow(
    python: Path, package: str, project: Path, *, needed: bool
) -> Iterator[None]:
    """Set the champion's version as the challenger for the shadow runs, and clear it after."""
    if not needed:
        yield
        return
    champion = (project / "models" / "champion").read_text(encoding="utf-8").strip()
    command = [str(python), "-m", package, "challenger"]
    subprocess.run([*command, "set", champion], cwd=project, check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run([*command, "clear"], cwd=project, check=True, capture_output=True)


def _measure(
    name: str,
    round_number: int,
    *,
    python: Path,
    package: str,
    project: Path,
    script: Path,
    log_dir: Path,
    arguments: argparse.Namespace,
) -> Measurement:
    port = harness.free_port()
    environment = {
        **os.environ,
        **CONFIGURATIONS[name],
        "APP_PREDICTION_LOG_DIR": str(log_dir),
    }
    command = harness.serve_command(python, package, port, arguments.server_cpus)
    base = f"http://{harness.HOST}:{port}"
    load = harness.Load(connections=arguments.connections, cpus=arguments.wrk_cpus)
    with harness.running(
        command, cwd=project, env=environment, ready_url=f"{base}/ready"
    ) as server:
        harness.wrk(f"{base}/predict", script, seconds=arguments.warmup, load=load)
        cpu_before = harness.cpu_seconds(server.pid)
        result = harness.wrk(f"{base}/predict", script, seconds=arguments.duration, load=load)
        cpu_seconds = harness.cpu_seconds(server.pid) - cpu_before
    return Measurement(
        configuration=name,
        round=round_number,
        requests_per_second=result.requests_per_second,
        latency_ms=result.latency_ms,
        requests=result.requests,
        errors=result.errors,
        cpu_us_per_request=1e6 * cpu_seconds / max(result.requests, 1),
    )


def _summarise(measurements: list[Measurement], names: list[str]) -> list[Summary]:
    summaries = []
    for name in names:
        runs = [item for item in measurements if item.configuration == name]
        summaries.append(
            Summary(
                configuration=name,
                requests_per_second=statistics.median(item.requests_per_second for item in runs),
                runs=[item.requests_per_second for item in runs],
                p50_ms=statistics.median(item.latency_ms.get("50", 0.0) for item in runs),
                p99_ms=statistics.median(item.latency_ms.get("99", 0.0) for item in runs),
                cpu_us_per_request=statistics.median(item.cpu_us_per_request for item in runs),
            )
        )
    bare = next((summary for summary in summaries if summary.configuration == "bare"), None)
    if bare is not None:
        for summary in summaries:
            summary.overhead_percent = 100.0 * (
                1.0 - summary.requests_per_second / bare.requests_per_second
            )
            # One saturated worker answers one request at a time: 1/rps is its time per request.
            summary.microseconds_per_request = 1e6 * (
                1.0 / summary.requests_per_second - 1.0 / bare.requests_per_second
            )
            summary.cpu_overhead_percent = 100.0 * (
                summary.cpu_us_per_request / bare.cpu_us_per_request - 1.0
            )
    return summaries


def _print_table(summaries: list[Summary], arguments: argparse.Namespace) -> None:
    print(
        f"\n{arguments.rounds} rounds of {arguments.duration} s, wrk 1 thread "
        f"{arguments.connections} connections, one row per request, one uvicorn worker\n"
    )
    header = f"{'configuration':<14}{'req/s':>9}{'overhead':>10}{'+us/req':>9}{'p50 ms':>8}"
    print(header + f"{'p99 ms':>8}{'cpu us/req':>12}{'cpu +%':>8}  req/s of each run")
    for summary in summaries:
        overhead = "" if summary.overhead_percent is None else f"{summary.overhead_percent:+.1f}%"
        extra = (
            ""
            if summary.microseconds_per_request is None
            else f"{summary.microseconds_per_request:+.0f}"
        )
        cpu_overhead = (
            "" if summary.cpu_overhead_percent is None else f"{summary.cpu_overhead_percent:+.1f}%"
        )
        runs = " ".join(f"{value:.0f}" for value in summary.runs)
        print(
            f"{summary.configuration:<14}{summary.requests_per_second:>9.0f}{overhead:>10}"
            f"{extra:>9}{summary.p50_ms:>8.2f}{summary.p99_ms:>8.2f}"
            f"{summary.cpu_us_per_request:>12.0f}{cpu_overhead:>8}  {runs}"
        )


if __name__ == "__main__":
    sys.exit(main())
