"""Shared fixtures and helpers of the generator's tests."""

from __future__ import annotations

import time

import pytest

from mlops_new import questions
from tests import timings
from tests.helpers import spread_out


@pytest.fixture(scope="session")
def questionnaire() -> questions.Questionnaire:
    return questions.load()


# Which layer each test file belongs to (docs/testing.md), for the per-layer summary of a run.
LAYERS = {
    "test_questionnaire.py": "1 questionnaire",
    "test_cli.py": "2 CLI",
    "test_wheel.py": "2 CLI",
    "test_repository.py": "2 CLI",
    "test_render_matrix.py": "3 render matrix (+6 validators)",
    "test_hostile_answers.py": "3 render matrix (+6 validators)",
    "test_fast_render.py": "3 render matrix (+6 validators)",
    "test_generated_projects.py": "4 generated projects",
    "test_update.py": "5 update",
    "test_artifact_validators.py": "6 artifact validators",
    "test_benchmarks.py": "7 benchmark harness",
}
_LAYER_RUNS: dict[str, list[float]] = {}
# Tests whose passes are the run's headline figures: combinations checked, projects run.
_HEADLINES = {
    "test_combination_renders_and_passes_static_checks": "combinations rendered and checked",
    "test_generated_project_passes_its_own_suite": "generated projects set up, tested and run",
    "test_bundled_render_is_byte_identical_to_a_render_of_the_tag": "renders compared with a tag",
}
_PASSED: dict[str, int] = {}
_STARTED = time.monotonic()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # xdist hands out consecutive chunks of the collection in order. A run that reaches the slow
    # tests (layer 4: minutes each) last ends with every worker on them and nothing left to even
    # out the finish. Spread over the first 60 %, the thousands of fast render tests after them
    # fill the gaps. Only on workers (a single process gains nothing); every worker computes the
    # same order, as xdist requires.
    if hasattr(config, "workerinput"):
        slow = [item for item in items if item.get_closest_marker("slow")]
        items[:] = spread_out(items, slow, share=0.6)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # On the controller, xdist hands over every worker's reports: one "call" report per test.
    if report.when != "call":
        return
    layer = LAYERS.get(report.nodeid.split("::")[0].rsplit("/", 1)[-1], "other")
    _LAYER_RUNS.setdefault(layer, []).append(report.duration)
    name = report.nodeid.split("::")[-1].split("[")[0]
    if name in _HEADLINES and report.passed:
        _PASSED[_HEADLINES[name]] = _PASSED.get(_HEADLINES[name], 0) + 1


def pytest_sessionstart(session: pytest.Session) -> None:
    # The controller (not an xdist worker) starts each run with no recorded durations.
    if not hasattr(session.config, "workerinput"):
        timings.LAYER4_TIMINGS.unlink(missing_ok=True)
        timings.VALIDATIONS.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LAYER_RUNS:
        workers = getattr(terminalreporter.config.option, "numprocesses", None) or 1
        terminalreporter.section("layers: tests run and their summed duration")
        for layer, durations in sorted(_LAYER_RUNS.items()):
            total = sum(durations)
            terminalreporter.write_line(
                f"  {layer:<36} {len(durations):>6} tests {total:>9.0f} s "
                f"(about {total / workers / 60:.1f} min of wall time on {workers} workers)"
            )
        for headline in _HEADLINES.values():
            terminalreporter.write_line(f"  {_PASSED.get(headline, 0):>6} {headline}")
        terminalreporter.write_line(f"  wall time of the run: {time.monotonic() - _STARTED:.0f} s")
    validations = timings.validations_table()
    if validations:
        terminalreporter.section("artifact validators")
        for line in validations:
            terminalreporter.write_line(line)
    lines = timings.table()
    if lines:
        terminalreporter.section("generated projects: seconds per make target")
        for line in lines:
            terminalreporter.write_line(line)
