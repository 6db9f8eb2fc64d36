"""The generated service and batch scorer side by side with MLflow's own, in one run.

Usage (from the generator's repository)::

    uv run python benchmarks/compare.py [--project DIR] [--onnx-project DIR] [--rounds 3]

It renders two projects that differ only in ``inference_runtime`` (REST and batch serving, MLflow
tracking, no orchestrator; each reused when ``--project`` / ``--onnx-project`` names one that
exists), runs ``make setup train`` in each, and measures:

- **REST**: the generated service (``python -m <package> serve``, one uvicorn worker) with the
  scikit-learn runtime (``sklearn``) and with ONNX Runtime (``onnx``), against ``mlflow models
  serve`` (``--env-manager local``, one worker) on the scikit-learn project's registered champion.
  wrk (one thread, on loopback) posts one row or 100 rows per request from 1, 8 and 32
  connections; each configuration runs ``--duration`` seconds after a ``--warmup``. The servers
  run side by side for the whole section and the contenders alternate within each round, so a
  slow moment of the machine is shared. With two CPUs or more, the servers run on CPU 1 and wrk
  on CPU 0 (``taskset``). Before measuring, all answer the same rows and must agree.
  Figures: requests per second, p50 and p99 latency, failed requests, CPU time per request, and
  each server's resident memory (its whole process tree) after the load.
- **Batch**: ``python -m <package> batch`` (chunked) of both projects against one whole-frame
  ``mlflow.pyfunc`` predict of the scikit-learn champion on the same ``--batch-rows`` rows (the
  bundled data repeated), each a fresh process, alternating: wall time and peak resident memory.
- **Render**: ``mlops-new new --no-input`` against cookiecutter-data-science's ``ccds
  --no-input`` (alternating; ccds needs its template from GitHub, or ``--ccds-template DIR``),
  and the time from ``mlops-new new`` to a green ``make setup test`` with a warm uv cache.

Every figure is the median of the rounds; ratios compare medians of the same run. It prints a
table and writes everything, with the versions of the libraries that matter, as JSON.
``--sections`` picks a subset (``rest batch render first-run``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # the benchmarks are scripts, not a package

SECTIONS = ("rest", "batch", "render", "first-run")
CONCURRENCY = (1, 8, 32)
ROWS_PER_REQUEST = (1, 100)
PROJECT_ANSWERS = {
    "serving_mode": "rest_and_batch",
    "orchestrator": "none",
    "experiment_tracking": "mlflow",
}
RUNTIMES = ("sklearn", "onnx")
"""The generated contenders, by ``inference_runtime``: one project each, otherwise the same."""
VERSIONED = ("mlflow", "fastapi", "uvicorn", "scikit-learn", "onnxruntime", "numpy", "pandas")
CCDS_TEMPLATE = "https://github.com/drivendataorg/cookiecutter-data-science"

# Run in the project's environment: the first `rows` rows of the bundled data, as features.
ROWS_PROGRAM = """\
import json, sys
from {package}.features.build import to_feature_matrix
from {package}.tasks import FEATURES, load_dataset
matrix = to_feature_matrix(load_dataset().head(int(sys.argv[1])), FEATURES)
json.dump({{"features": list(FEATURES), "rows": matrix.tolist()}}, sys.stdout)
"""

# Run in the project's environment: the bundled data repeated to `rows` rows, with a row id.
BATCH_INPUT_PROGRAM = """\
import sys
import numpy as np
import pandas as pd
from {package}.tasks import FEATURES, load_dataset
rows = int(sys.argv[2])
data = load_dataset().loc[:, list(FEATURES)]
frame = data.iloc[np.arange(rows) % len(data)].reset_index(drop=True)
frame.insert(0, "row_id", np.arange(rows))
frame.to_parquet(sys.argv[1], index=False)
"""

# What a user of MLflow alone would write: load the registered model, predict the whole frame.
# It prints the seconds from loading the model to the written output, as the generated batch
# command's summary does (`seconds`): the work itself, without interpreter start and imports.
PYFUNC_PROGRAM = """\
import json, sys, time
import mlflow
import pandas as pd
from {package}.settings import get_settings
from {package}.tasks import FEATURES
settings = get_settings()
mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
started = time.perf_counter()
model = mlflow.pyfunc.load_model(f"models:/{{settings.model_name}}@champion")
frame = pd.read_parquet(sys.argv[1])
output = frame.drop(columns=list(FEATURES))
output["prediction"] = model.predict(frame.loc[:, list(FEATURES)])
output.to_parquet(sys.argv[2], index=False)
print(json.dumps({{"seconds": time.perf_counter() - started}}))
"""


@dataclass
class RestRun:
    """One wrk run against one server."""

    contender: str
    connections: int
    rows: int
    round: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_us_per_request: float


@dataclass
class Contender:
    """A server under test: how to start it and what to post to it."""

    name: str
    cwd: Path
    command: list[str]
    env: dict[str, str]
    ready_url: str
    predict_url: str
    body: Callable[[list[str], list[list[float]]], Any]
    scripts: dict[int, Path] = field(default_factory=dict)


def main() -> int:
    arguments = parse_arguments()
    report: dict[str, Any] = {"machine": harness.machine(), "arguments": vars(arguments)}
    report["arguments"] = {key: str(value) for key, value in vars(arguments).items()}
    with tempfile.TemporaryDirectory(prefix="mlops-new-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        projects: dict[str, Project] = {}
        if {"rest", "batch"} & set(arguments.sections):
            chosen = {"sklearn": arguments.project, "onnx": arguments.onnx_project}
            for runtime in RUNTIMES:
                path = chosen[runtime] or scratch / f"bench-{runtime}"
                projects[runtime] = Project.at(prepare_project(path, runtime))
                compile_bytecode(projects[runtime])
            report["projects"] = {
                runtime: {"path": str(project.path), "answers": harness.answers_of(project.path)}
                for runtime, project in projects.items()
            }
            report["versions"] = harness.versions(projects["onnx"].python, VERSIONED)
            print_versions(report["versions"])
        if "rest" in arguments.sections:
            report["rest"] = rest_section(projects, scratch, arguments)
        if "batch" in arguments.sections:
            report["batch"] = batch_section(projects, scratch, arguments)
        if "render" in arguments.sections:
            report["render"] = render_section(scratch, arguments)
        if "first-run" in arguments.sections:
            report["first_run"] = first_run_section(scratch, arguments)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    harness.write_report(arguments.output, report)
    return 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--project",
        type=Path,
        help="the inference_runtime=sklearn project to reuse (rendered if missing)",
    )
    parser.add_argument(
        "--onnx-project",
        type=Path,
        help="the inference_runtime=onnx project to reuse (rendered if missing)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement")
    parser.add_argument("--duration", type=int, default=8, help="seconds of each wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk warm-up")
    parser.add_argument(
        "--connections", type=int, nargs="+", default=list(CONCURRENCY), help="wrk connections"
    )
    parser.add_argument("--rows-per-request", type=int, nargs="+", default=list(ROWS_PER_REQUEST))
    parser.add_argument("--batch-rows", type=int, default=1_000_000, help="rows of the batch input")
    parser.add_argument(
        "--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS, help="what to measure"
    )
    parser.add_argument(
        "--ccds-template",
        default=CCDS_TEMPLATE,
        help="cookiecutter-data-science's template (a local clone where GitHub is unreachable)",
    )
    cpus = os.cpu_count() or 1
    parser.add_argument("--server-cpus", default="1" if cpus >= 2 else None)
    parser.add_argument("--wrk-cpus", default="0" if cpus >= 2 else None)
    parser.add_argument(
        "--output", type=Path, default=Path("build/benchmarks/compare.json"), help="JSON report"
    )
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    return arguments


@dataclass(frozen=True)
class Project:
    """A generated, trained project: where it is, its interpreter and its package."""

    path: Path
    python: Path
    package: str

    @classmethod
    def at(cls, path: Path) -> Project:
        return cls(path, harness.project_python(path), harness.package_name(path))


def prepare_project(project: Path, runtime: str) -> Path:
    project = project.resolve()
    answers = {**PROJECT_ANSWERS, "inference_runtime": runtime}
    if not project.exists():
        print(f"rendering {project} and training its model (make setup train)", flush=True)
        harness.render_project(project, answers)
        harness.make(project, "setup", "train")
    found = harness.answers_of(project)
    wrong = {key: found.get(key) for key, value in answers.items() if found.get(key) != value}
    if wrong:
        raise harness.BenchmarkError(
            f"{project} must be rendered with "
            + " ".join(f"--set {key}={value}" for key, value in answers.items())
            + f" (mlflow models serve needs the registered model); it has {wrong}"
        )
    if not (project / "models" / "champion").is_file():
        harness.make(project, "train")
    return project


def print_versions(found: dict[str, str]) -> None:
    print("versions: " + ", ".join(f"{name} {version}" for name, version in found.items()))


# -- REST ------------------------------------------------------------------------------------


def rest_section(
    projects: dict[str, Project], scratch: Path, arguments: argparse.Namespace
) -> dict[str, Any]:
    harness.require_wrk()
    reference = projects["sklearn"]
    sample = json.loads(
        subprocess.run(
            [str(reference.python), "-c", ROWS_PROGRAM.format(package=reference.package), "100"],
            cwd=reference.path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    features, rows = sample["features"], sample["rows"]
    contenders = rest_contenders(projects, scratch, arguments)
    runs: list[RestRun] = []
    memory: dict[str, dict[str, float]] = {}
    with contextlib.ExitStack() as stack:
        servers = {
            contender.name: stack.enter_context(
                harness.running(
                    contender.command,
                    cwd=contender.cwd,
                    env=contender.env,
                    ready_url=contender.ready_url,
                )
            )
            for contender in contenders
        }
        agreement = check_agreement(contenders, features, rows[:5])
        for contender in contenders:
            for count in arguments.rows_per_request:
                contender.scripts[count] = harness.post_script(
                    json.dumps(contender.body(features, rows[:count])),
                    scratch,
                    f"{contender.name}-{count}",
                )
        for round_number in range(1, arguments.rounds + 1):
            for connections in arguments.connections:
                for count in arguments.rows_per_request:
                    # Alternate who goes first, round by round.
                    order = contenders if round_number % 2 else contenders[::-1]
                    for contender in order:
                        run = measure_rest(
                            contender,
                            servers[contender.name].pid,
                            connections,
                            count,
                            round_number,
                            arguments,
                        )
                        runs.append(run)
                        print(
                            f"round {run.round} {run.contender:<10} {connections:>3} conn "
                            f"{count:>3} rows  {run.requests_per_second:9.0f} req/s  "
                            f"p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms  "
                            f"errors {run.errors}",
                            flush=True,
                        )
        for contender in contenders:
            memory[contender.name] = harness.memory_mib(servers[contender.name].pid)
    summary = summarise_rest(runs, [contender.name for contender in contenders])
    print_rest(summary, memory, arguments)
    return {
        "setup": {
            "wrk": "1 thread, kept-alive connections, on loopback",
            "duration_seconds": arguments.duration,
            "warmup_seconds": arguments.warmup,
            "server_cpus": arguments.server_cpus,
            "wrk_cpus": arguments.wrk_cpus,
            "workers": 1,
        },
        "agreement": agreement,
        "summary": summary,
        "memory_mib": memory,
        "runs": [asdict(run) for run in runs],
    }


def rest_contenders(
    projects: dict[str, Project], scratch: Path, arguments: argparse.Namespace
) -> list[Contender]:
    """The generated service of each runtime, then `mlflow models serve` (the baseline, last)."""
    base_env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    contenders = []
    for runtime, project in projects.items():
        port = harness.free_port()
        contenders.append(
            Contender(
                name=runtime,
                cwd=project.path,
                command=harness.serve_command(
                    project.python, project.package, port, arguments.server_cpus
                ),
                # The project's defaults (feature metrics, every request logged), the log aside.
                env={**base_env, "APP_PREDICTION_LOG_DIR": str(scratch / f"log-{runtime}")},
                ready_url=f"http://{harness.HOST}:{port}/ready",
                predict_url=f"http://{harness.HOST}:{port}/predict",
                body=lambda features, rows: (
                    dict(zip(features, rows[0], strict=True))
                    if len(rows) == 1
                    else [dict(zip(features, row, strict=True)) for row in rows]
                ),
            )
        )
    reference = projects["sklearn"]
    python, package = reference.python, reference.package
    # The project's bin/ first: `mlflow models serve` starts `uvicorn` from PATH.
    mlflow_env = {**base_env, "PATH": f"{python.parent}{os.pathsep}{base_env.get('PATH', '')}"}
    mlflow_port = harness.free_port()
    tracking = tracking_uri(reference.path, python, package)
    mlflow = Contender(
        name="mlflow",
        cwd=reference.path,
        command=[
            *harness.pinned(arguments.server_cpus),
            str(python.parent / "mlflow"),
            "models",
            "serve",
            "--model-uri",
            f"models:/{model_name(reference.path, python, package)}@champion",
            "--env-manager",
            "local",
            "--host",
            harness.HOST,
            "--port",
            str(mlflow_port),
            "--workers",
            "1",
        ],
        env={**mlflow_env, "MLFLOW_TRACKING_URI": tracking},
        ready_url=f"http://{harness.HOST}:{mlflow_port}/ping",
        predict_url=f"http://{harness.HOST}:{mlflow_port}/invocations",
        body=lambda features, rows: {"dataframe_split": {"columns": features, "data": rows}},
    )
    return [*contenders, mlflow]


def _setting(project: Path, python: Path, package: str, expression: str) -> str:
    program = f"from {package}.settings import get_settings\nprint({expression})"
    return subprocess.run(
        [str(python), "-c", program], cwd=project, check=True, capture_output=True, text=True
    ).stdout.strip()


def tracking_uri(project: Path, python: Path, package: str) -> str:
    uri = _setting(project, python, package, "get_settings().mlflow_tracking_uri")
    # A relative SQLite path is relative to the project: make it absolute for other processes.
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix) :].startswith("/"):
        return prefix + str(project / uri[len(prefix) :])
    return uri


def model_name(project: Path, python: Path, package: str) -> str:
    return _setting(project, python, package, "get_settings().model_name")


def post(url: str, body: Any) -> Any:
    import urllib.request

    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def predictions_of(contender: Contender, answer: Any) -> list[float]:
    if contender.name == "mlflow":
        values = answer["predictions"] if isinstance(answer, dict) else answer
        return [float(value) for value in values]
    return [float(row["prediction"]) for row in answer["predictions"]]


def check_agreement(
    contenders: Sequence[Contender], features: list[str], rows: list[list[float]]
) -> dict[str, list[float]]:
    """Every contender answers the same rows with the same predictions, or the run stops."""
    answers = {
        contender.name: predictions_of(
            contender, post(contender.predict_url, contender.body(features, rows))
        )
        for contender in contenders
    }
    reference = answers[contenders[0].name]
    for name, predictions in answers.items():
        if any(abs(a - b) > 1e-6 for a, b in zip(predictions, reference, strict=True)):
            raise harness.BenchmarkError(f"{name} predicts {predictions}, not {reference}")
    return answers


def measure_rest(
    contender: Contender,
    pid: int,
    connections: int,
    rows: int,
    round_number: int,
    arguments: argparse.Namespace,
) -> RestRun:
    script = contender.scripts[rows]
    load = harness.Load(connections=connections, cpus=arguments.wrk_cpus)
    harness.wrk(contender.predict_url, script, seconds=arguments.warmup, load=load)
    cpu_before = harness.cpu_seconds(pid)
    result = harness.wrk(contender.predict_url, script, seconds=arguments.duration, load=load)
    cpu = harness.cpu_seconds(pid) - cpu_before
    return RestRun(
        contender=contender.name,
        connections=connections,
        rows=rows,
        round=round_number,
        requests_per_second=result.requests_per_second,
        p50_ms=result.latency_ms.get("50", float("nan")),
        p99_ms=result.latency_ms.get("99", float("nan")),
        requests=result.requests,
        errors=result.errors,
        cpu_us_per_request=1e6 * cpu / max(result.requests, 1),
    )


def summarise_rest(runs: list[RestRun], names: list[str]) -> list[dict[str, Any]]:
    summary = []
    keys = sorted({(run.connections, run.rows) for run in runs})
    for connections, rows in keys:
        entry: dict[str, Any] = {"connections": connections, "rows": rows}
        for name in names:
            mine = [
                r for r in runs if (r.contender, r.connections, r.rows) == (name, connections, rows)
            ]
            entry[name] = {
                "requests_per_second": harness.median([r.requests_per_second for r in mine]),
                "p50_ms": harness.median([r.p50_ms for r in mine]),
                "p99_ms": harness.median([r.p99_ms for r in mine]),
                "cpu_us_per_request": harness.median([r.cpu_us_per_request for r in mine]),
                "errors": sum(r.errors for r in mine),
                "runs": [r.requests_per_second for r in mine],
            }
        baseline = entry[names[-1]]["requests_per_second"]
        for name in names[:-1]:
            entry[name]["speedup"] = entry[name]["requests_per_second"] / baseline
        summary.append(entry)
    return summary


def print_rest(
    summary: list[dict[str, Any]],
    memory: dict[str, dict[str, float]],
    arguments: argparse.Namespace,
) -> None:
    names = list(memory)
    print(
        f"\nREST: median of {arguments.rounds} rounds of {arguments.duration:g} s, wrk 1 thread, "
        "one server worker"
    )
    header = f"{'conn':>5}{'rows':>5}"
    for name in names:
        header += f"{name + ' req/s':>18}{'p50 ms':>8}{'p99 ms':>8}"
    generated = names[:-1]
    print(header + "".join(f"{name + ' x':>10}" for name in generated))
    for entry in summary:
        line = f"{entry['connections']:>5}{entry['rows']:>5}"
        for name in names:
            figures = entry[name]
            line += (
                f"{figures['requests_per_second']:>18.0f}{figures['p50_ms']:>8.2f}"
                f"{figures['p99_ms']:>8.2f}"
            )
        line += "".join(f"{entry[name]['speedup']:>9.1f}x" for name in generated)
        print(line)
    for name, figures in memory.items():
        print(
            f"memory of {name}: {figures['rss_mib']:.0f} MiB resident after the load, peak "
            f"{figures['peak_rss_mib']:.0f} MiB ({figures['processes']:.0f} processes)"
        )


# -- batch -----------------------------------------------------------------------------------


def batch_section(
    projects: dict[str, Project], scratch: Path, arguments: argparse.Namespace
) -> dict[str, Any]:
    reference = projects["sklearn"]
    source = scratch / "batch-input.parquet"
    subprocess.run(
        [
            str(reference.python),
            "-c",
            BATCH_INPUT_PROGRAM.format(package=reference.package),
            str(source),
            str(arguments.batch_rows),
        ],
        cwd=reference.path,
        check=True,
    )
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    outputs = {name: scratch / f"out-{name}.parquet" for name in [*projects, "pyfunc"]}
    commands: dict[str, tuple[Path, list[str]]] = {
        runtime: (
            project.path,
            [
                str(project.python),
                "-m",
                project.package,
                "batch",
                str(source),
                str(outputs[runtime]),
            ],
        )
        for runtime, project in projects.items()
    }
    commands["pyfunc"] = (
        reference.path,
        [
            str(reference.python),
            "-c",
            PYFUNC_PROGRAM.format(package=reference.package),
            str(source),
            str(outputs["pyfunc"]),
        ],
    )
    tracking = tracking_uri(reference.path, reference.python, reference.package)
    runs: list[dict[str, Any]] = []
    for round_number in range(1, arguments.rounds + 1):
        order = list(commands) if round_number % 2 else list(commands)[::-1]
        for name in order:
            cwd, command = commands[name]
            finished = harness.run_measured(
                command, cwd=cwd, env={**env, "MLFLOW_TRACKING_URI": tracking}
            )
            work = work_seconds(finished.output)
            runs.append(
                {
                    "contender": name,
                    "round": round_number,
                    "seconds": round(finished.seconds, 2),
                    "work_seconds": round(work, 2),
                    "peak_rss_mib": round(finished.peak_rss_mib, 1),
                }
            )
            print(
                f"round {round_number} batch {name:<10} {finished.seconds:7.2f} s "
                f"(load to output {work:5.2f} s)  peak {finished.peak_rss_mib:7.0f} MiB",
                flush=True,
            )
    for runtime in projects:
        same_predictions(reference.python, reference.path, outputs[runtime], outputs["pyfunc"])
    summary = {
        name: {
            "seconds": harness.median([r["seconds"] for r in runs if r["contender"] == name]),
            "work_seconds": harness.median(
                [r["work_seconds"] for r in runs if r["contender"] == name]
            ),
            "peak_rss_mib": harness.median(
                [r["peak_rss_mib"] for r in runs if r["contender"] == name]
            ),
        }
        for name in commands
    }
    baseline = summary["pyfunc"]
    ratios = {
        runtime: {
            "speedup": baseline["seconds"] / summary[runtime]["seconds"],
            "work_speedup": baseline["work_seconds"] / summary[runtime]["work_seconds"],
            "memory_ratio": summary[runtime]["peak_rss_mib"] / baseline["peak_rss_mib"],
        }
        for runtime in projects
    }
    print(
        f"\nBatch, {arguments.batch_rows:,} rows, median of {arguments.rounds} (process / load to "
        f"output / peak memory): pyfunc whole frame {baseline['seconds']:.2f} s / "
        f"{baseline['work_seconds']:.2f} s / {baseline['peak_rss_mib']:.0f} MiB"
    )
    for runtime, ratio in ratios.items():
        figures = summary[runtime]
        print(
            f"  generated ({runtime}): {figures['seconds']:.2f} s / {figures['work_seconds']:.2f}"
            f" s / {figures['peak_rss_mib']:.0f} MiB: {ratio['speedup']:.1f}x faster as a "
            f"process, {ratio['work_speedup']:.1f}x from load to output, "
            f"{ratio['memory_ratio']:.2f} of the memory"
        )
    return {
        "rows": arguments.batch_rows,
        "same_predictions": True,
        "summary": summary,
        "ratios": ratios,
        "runs": runs,
    }


def work_seconds(output: str) -> float:
    """The `seconds` of the last JSON line a batch command printed: its work from model load on."""
    for line in reversed(output.splitlines()):
        if line.startswith("{") and '"seconds"' in line:
            return float(json.loads(line)["seconds"])
    raise harness.BenchmarkError(f"no JSON line with seconds in the output:\n{output[-2000:]}")


def compile_bytecode(project: Project) -> None:
    """Write the bytecode of the project's environment and package, as a first run would.

    This machine sets PYTHONDONTWRITEBYTECODE=1, so Python never caches compiled modules: every
    fresh process would compile scikit-learn, SciPy, pandas and MLflow from source (the batch
    command took 12.8 s instead of 5.8 s). An ordinary installation has the bytecode after its
    first run, so both contenders are measured with it. Up-to-date files are skipped.
    """
    targets = [*project.path.glob(".venv/lib/python*/site-packages"), project.path / "src"]
    subprocess.run(
        [str(project.python), "-m", "compileall", "-q", "-j", "0", *map(str, targets)],
        check=False,  # a few vendored test files do not compile; nothing imports them
        capture_output=True,
    )


def same_predictions(python: Path, project: Path, generated: Path, pyfunc: Path) -> bool:
    program = (
        "import sys, numpy as np, pandas as pd\n"
        "a = pd.read_parquet(sys.argv[1]); b = pd.read_parquet(sys.argv[2])\n"
        "same = (a['row_id'].to_numpy() == b['row_id'].to_numpy()).all() and np.allclose("
        "a['prediction'].to_numpy(dtype=float), b['prediction'].to_numpy(dtype=float))\n"
        "print(int(bool(same)))\n"
    )
    output = subprocess.run(
        [str(python), "-c", program, str(generated), str(pyfunc)],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if output != "1":
        raise harness.BenchmarkError("the batch scorer and the pyfunc predict disagree")
    return True


# -- render ----------------------------------------------------------------------------------


def render_section(scratch: Path, arguments: argparse.Namespace) -> dict[str, Any]:
    ccds = install_ccds(scratch)
    renderers: dict[str, Callable[[Path], None]] = {
        # The files only, as `ccds --no-input` writes them.
        "mlops-new": lambda target: harness.render_project(target / "p", {}),
        # What `mlops-new new --no-input` does by default: also `git init`, a commit, `uv lock`.
        "mlops-new+git+lock": lambda target: harness.render_project(
            target / "p", {}, git_and_lock=True
        ),
        "ccds": lambda target: run_ccds(ccds, target, arguments.ccds_template),
    }
    runs: list[dict[str, Any]] = []
    ccds_error: str | None = None
    for round_number in range(1, arguments.rounds + 1):
        order = list(renderers) if round_number % 2 else list(renderers)[::-1]
        for name in order:
            if name == "ccds" and ccds_error is not None:
                continue
            target = scratch / f"render-{round_number}-{name}"
            target.mkdir()
            started = time.perf_counter()
            try:
                renderers[name](target)
            except subprocess.CalledProcessError as error:
                if name != "ccds":
                    raise
                lines = (error.stderr or error.stdout or "").strip().splitlines()
                ccds_error = lines[-1] if lines else f"exit {error.returncode}"
                print(f"ccds could not render: {ccds_error}", flush=True)
                continue
            seconds = time.perf_counter() - started
            runs.append({"contender": name, "round": round_number, "seconds": round(seconds, 3)})
            print(f"round {round_number} render {name:<20} {seconds:6.2f} s", flush=True)
    summary = {
        name: harness.median([r["seconds"] for r in runs if r["contender"] == name])
        for name in renderers
    }
    figures = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in summary.items())
    print(f"\nRender --no-input, median of {arguments.rounds}: {figures}")
    if ccds_error is not None:
        print(f"ccds not measured: {ccds_error}")
    ratio = None if ccds_error else summary["ccds"] / summary["mlops-new"]
    return {
        "summary": summary,
        "ccds_over_mlops_new": ratio,
        "ccds_error": ccds_error,
        "runs": runs,
    }


def install_ccds(scratch: Path) -> Path:
    """cookiecutter-data-science from PyPI, in its own environment."""
    environment = scratch / "ccds-env"
    subprocess.run(["uv", "venv", "--quiet", str(environment)], check=True)
    python = str(environment / "bin" / "python")
    package = "cookiecutter-data-science"
    subprocess.run(["uv", "pip", "install", "--quiet", "--python", python, package], check=True)
    return environment / "bin" / "ccds"


def run_ccds(ccds: Path, target: Path, template: str) -> None:
    subprocess.run(
        [str(ccds), template, "--no-input"], cwd=target, check=True, capture_output=True, text=True
    )


def first_run_section(scratch: Path, arguments: argparse.Namespace) -> dict[str, Any]:
    """From `mlops-new new` (git, lock) to a green `make setup test`, warm uv cache: once."""
    project = scratch / "first-run"
    timings: dict[str, float] = {}
    started = time.perf_counter()
    harness.render_project(project, {}, git_and_lock=True)
    timings["mlops-new new"] = time.perf_counter() - started
    for target in ("setup", "test"):
        began = time.perf_counter()
        harness.make(project, target)
        timings[f"make {target}"] = time.perf_counter() - began
    timings["total"] = time.perf_counter() - started
    print(
        "\nFirst run (warm uv cache): "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    )
    return {"seconds": {name: round(value, 1) for name, value in timings.items()}}


if __name__ == "__main__":
    sys.exit(main())
