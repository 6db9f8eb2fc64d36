"""What the benchmarks share: a generated project, servers on loopback, wrk, and /proc figures.

Every figure comes from a real process: servers are started as a user would start them, loaded
with wrk (a compiled HTTP load generator) on 127.0.0.1, and measured from the kernel's own
accounting in /proc (CPU time, resident memory, peak resident memory) of the server's whole
process tree.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STARTUP_SECONDS = 180


class BenchmarkError(SystemExit):
    """A benchmark cannot run: one line for the user, exit code 2."""

    def __init__(self, message: str) -> None:
        super().__init__(f"error: {message}")
        self.code = 2


# -- generated projects ------------------------------------------------------------------------


def mlops_new() -> str:
    """The generator's own command, from this checkout's environment (no `uv run` in timings)."""
    path = shutil.which("mlops-new", path=str(Path(sys.executable).parent))
    if path is None:
        raise BenchmarkError("mlops-new is not installed here: run `uv sync` in the repository")
    return path


def render_project(
    destination: Path, answers: Mapping[str, str], *, git_and_lock: bool = False
) -> None:
    """Render a project with `answers` (the rest default) into `destination`.

    `git_and_lock`: as `mlops-new new` does by default, also `git init` with a first commit and
    `uv lock`; otherwise the files only.
    """
    command = [mlops_new(), "new", str(destination), "--no-input"]
    if not git_and_lock:
        command += ["--no-git", "--no-lock"]
    for key, value in answers.items():
        command += ["--set", f"{key}={value}"]
    subprocess.run(command, cwd=REPOSITORY, check=True, capture_output=True, text=True)


def make(project: Path, *targets: str) -> None:
    """Run `make TARGETS` in `project`, showing its output only when it fails."""
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    result = subprocess.run(
        ["make", *targets], cwd=project, env=environment, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BenchmarkError(
            f"make {' '.join(targets)} failed in {project}:\n{result.stdout[-4000:]}"
            f"\n{result.stderr[-4000:]}"
        )


def answers_of(project: Path) -> dict[str, str]:
    """The project's recorded answers (`.copier-answers.yml`), as strings."""
    path = project / ".copier-answers.yml"
    if not path.is_file():
        raise BenchmarkError(f"{project} is not a generated project (no {path.name})")
    answers = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(\w+):\s*(.*?)\s*$", line)
        if match:
            answers[match.group(1)] = match.group(2).strip("'\"")
    return answers


def package_name(project: Path) -> str:
    name = answers_of(project).get("package_name")
    if not name:
        raise BenchmarkError(f"no package_name in {project / '.copier-answers.yml'}")
    return name


def project_python(project: Path) -> Path:
    python = project / ".venv" / "bin" / "python"
    if not python.is_file():
        raise BenchmarkError(f"{project} has no environment: run `make setup train` in it")
    return python


def versions(python: Path, distributions: Sequence[str]) -> dict[str, str]:
    """Installed versions of `distributions` in the environment of `python` ("-" if absent)."""
    program = (
        "import json, sys\nfrom importlib import metadata\nout = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n        out[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n        out[name] = '-'\n"
        "print(json.dumps(out))\n"
    )
    output = subprocess.run(
        [str(python), "-c", program, *distributions], check=True, capture_output=True, text=True
    ).stdout
    found: dict[str, str] = json.loads(output)
    return found


# -- servers -----------------------------------------------------------------------------------


def serve_command(python: Path, package: str, port: int, cpus: str | None = None) -> list[str]:
    """The generated service as `make serve` starts it (one uvicorn worker), on loopback."""
    return [
        *pinned(cpus),
        str(python),
        "-m",
        package,
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
    ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def pinned(cpus: str | None) -> list[str]:
    """A `taskset` prefix that runs a command on `cpus` only (nothing when not asked)."""
    return [] if cpus is None else ["taskset", "--cpu-list", cpus]


def wait_until_ready(url: str, server: subprocess.Popen[bytes], log: Path | None = None) -> None:
    """Poll `url` until it answers 200; fail if the server exits or takes too long."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = "" if log is None else log.read_text(errors="replace")[-3000:]
            raise BenchmarkError(f"the server exited with {server.returncode}:\n{tail}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(url, timeout=1) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise BenchmarkError(f"{url} did not answer within {STARTUP_SECONDS} s")


@contextlib.contextmanager
def running(
    command: Sequence[str], *, cwd: Path, env: Mapping[str, str], ready_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `command`, wait until `ready_url` answers, and stop its whole process group after."""
    with tempfile.NamedTemporaryFile(prefix="server-", suffix=".log") as log:
        server = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: servers that fork are stopped whole
        )
        try:
            wait_until_ready(ready_url, server, Path(log.name))
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, 15)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, 9)
                server.wait(timeout=30)


# -- /proc -------------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += children.get(current, [])
    return tree


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time so far of `pid`'s process tree (every thread)."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
            # After the command name: utime and stime are the 12th and 13th fields.
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def memory_mib(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), summed over `pid`'s process tree."""
    tree = process_tree(pid)
    return {
        "rss_mib": round(sum(_status_kib(member, "VmRSS") for member in tree) / 1024, 1),
        "peak_rss_mib": round(sum(_status_kib(member, "VmHWM") for member in tree) / 1024, 1),
        "processes": len(tree),
    }


@dataclass(frozen=True)
class Finished:
    """A command run to completion: its wall time and peak resident memory."""

    seconds: float
    peak_rss_mib: float
    output: str


def run_measured(command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> Finished:
    """Run `command`; its wall time and peak resident set size (from the kernel's rusage)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    if process.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(command)} exited with {process.returncode}:\n{text[-3000:]}"
        )
    # ru_maxrss is in KiB on Linux: the peak of the process (its children's only if it waited).
    return Finished(seconds=seconds, peak_rss_mib=usage.ru_maxrss / 1024, output=text)


# -- wrk ---------------------------------------------------------------------------------------

WRK_POST_SCRIPT = """\
local file = io.open({path}, "r")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
"""


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise BenchmarkError("wrk is not installed (apt-get install wrk)")


def post_script(body: str, directory: Path, name: str) -> Path:
    """A wrk Lua script that POSTs `body` as JSON (the body kept in a file beside it)."""
    body_file = directory / f"{name}.json"
    body_file.write_text(body, encoding="utf-8")
    script = directory / f"{name}.lua"
    script.write_text(WRK_POST_SCRIPT.format(path=json.dumps(str(body_file))), encoding="utf-8")
    return script


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles and failed requests."""

    requests_per_second: float
    latency_ms: dict[str, float]
    requests: int
    errors: int


@dataclass(frozen=True)
class Load:
    """How wrk loads a server: kept-alive connections from one thread, optionally on `cpus`."""

    connections: int
    cpus: str | None = None
    timeout_seconds: int = 10


def wrk(url: str, script: Path, *, seconds: int, load: Load) -> WrkResult:
    """Load `url` with wrk for `seconds` (whole seconds: wrk reads no fractions)."""
    output = subprocess.run(
        [
            *pinned(load.cpus),
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(load.connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            f"{load.timeout_seconds}s",
            "--latency",
            "--script",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return parse_wrk(output)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> WrkResult:
    """Requests per second, latency percentiles (ms), requests and failures from wrk's report."""
    rate = re.search(r"Requests/sec:\s*([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or total is None:
        raise BenchmarkError(f"cannot read wrk's output:\n{output}")
    latency = {
        percentile: float(value) * _UNITS_MS[unit]
        for percentile, value, unit in re.findall(
            r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, flags=re.MULTILINE
        )
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = 0 if non_2xx is None else int(non_2xx.group(1))
    if socket_errors is not None:
        errors += sum(int(count) for count in socket_errors.groups())
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        latency_ms=latency,
        requests=int(total.group(1)),
        errors=errors,
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def write_report(path: Path, report: Mapping[str, object]) -> None:
    """Write the JSON report, and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {path}")


def machine() -> dict[str, object]:
    import platform

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()),
    }
