"""The benchmarks' measuring parts, on real processes: wrk's figures, /proc memory and CPU.

The benchmarks themselves take minutes and print figures (docs/performance.md); these tests make
sure the figures they print are read correctly.
"""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import compare  # the benchmarks are scripts beside this package
import harness


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"ok": true}'
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Failing(_Answer):
    status = 500


def _serve(handler: type[_Answer]) -> Iterator[str]:
    _Answer.protocol_version = "HTTP/1.1"  # kept-alive connections, as wrk uses them
    server = http.server.ThreadingHTTPServer((harness.HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{harness.HOST}:{server.server_address[1]}/predict"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def answering() -> Iterator[str]:
    yield from _serve(_Answer)


@pytest.fixture
def failing() -> Iterator[str]:
    yield from _serve(_Failing)


def test_wrk_figures_are_read_from_a_real_run(answering: str, tmp_path: Path) -> None:
    script = harness.post_script('{"x": 1}', tmp_path, "row")

    result = harness.wrk(answering, script, seconds=1, load=harness.Load(connections=2))

    assert result.requests > 0
    assert result.errors == 0
    assert result.requests_per_second > 0
    assert {"50", "99"} <= set(result.latency_ms)
    assert 0 < result.latency_ms["50"] <= result.latency_ms["99"]


def test_answers_other_than_2xx_are_errors(failing: str, tmp_path: Path) -> None:
    script = harness.post_script('{"x": 1}', tmp_path, "row")

    result = harness.wrk(failing, script, seconds=1, load=harness.Load(connections=1))

    assert result.requests > 0
    assert result.errors == result.requests


def test_memory_covers_the_whole_process_tree() -> None:
    child = "import time; block = bytearray(60_000_000); time.sleep(60)"
    parent = (
        f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); "
        "time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", parent], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        memory = harness.memory_mib(process.pid)
        while (memory["processes"] < 2 or memory["rss_mib"] < 60) and time.monotonic() < deadline:
            time.sleep(0.1)
            memory = harness.memory_mib(process.pid)
        assert memory["processes"] == 2
        # The child's 60 MB (57 MiB) block plus two interpreters.
        assert memory["rss_mib"] >= 57
        assert memory["peak_rss_mib"] >= memory["rss_mib"]
        assert harness.cpu_seconds(process.pid) > 0
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_a_finished_command_reports_its_peak_memory_and_time() -> None:
    program = "block = bytearray(80_000_000); del block"

    finished = harness.run_measured(
        [sys.executable, "-c", program], cwd=Path.cwd(), env=dict(os.environ)
    )

    assert finished.peak_rss_mib >= 76  # 80 MB is 76.3 MiB
    assert finished.seconds > 0


def test_a_failing_command_is_one_error_with_its_output() -> None:
    with pytest.raises(harness.BenchmarkError) as raised:
        harness.run_measured(
            [sys.executable, "-c", "print('broken'); raise SystemExit(3)"],
            cwd=Path.cwd(),
            env=dict(os.environ),
        )
    assert raised.value.code == 2
    assert "exited with 3" in str(raised.value) and "broken" in str(raised.value)


def test_rest_ratios_compare_medians_of_the_same_configuration() -> None:
    def run(contender: str, rps: float, round_number: int) -> compare.RestRun:
        return compare.RestRun(contender, 8, 1, round_number, rps, 1.0, 2.0, 100, 0, 50.0)

    runs = [
        run("sklearn", 1000, 1),
        run("sklearn", 1200, 2),
        run("sklearn", 5000, 3),
        run("onnx", 2400, 1),
        run("onnx", 3000, 2),
        run("onnx", 2000, 3),
        run("mlflow", 200, 1),
        run("mlflow", 240, 2),
        run("mlflow", 100, 3),
    ]

    (entry,) = compare.summarise_rest(runs, ["sklearn", "onnx", "mlflow"])

    assert entry["sklearn"]["requests_per_second"] == 1200
    assert entry["mlflow"]["requests_per_second"] == 200
    assert entry["sklearn"]["speedup"] == pytest.approx(6.0)
    assert entry["onnx"]["speedup"] == pytest.approx(12.0)
    assert "speedup" not in entry["mlflow"]


def test_work_seconds_come_from_the_last_summary_line() -> None:
    output = 'warning: something\n{"seconds": 9.5}\nlog line\n{"rows": 3, "seconds": 1.25}\n'
    assert compare.work_seconds(output) == 1.25
    with pytest.raises(harness.BenchmarkError, match="no JSON line"):
        compare.work_seconds("no summary here\n")
