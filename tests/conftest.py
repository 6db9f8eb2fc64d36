"""Shared fixtures and helpers of the generator's tests."""

from __future__ import annotations

import pytest

from mlops_new import questions
from tests import timings


@pytest.fixture(scope="session")
def questionnaire() -> questions.Questionnaire:
    return questions.load()


def pytest_sessionstart(session: pytest.Session) -> None:
    # The controller (not an xdist worker) starts each run with no recorded durations.
    if not hasattr(session.config, "workerinput"):
        timings.LAYER4_TIMINGS.unlink(missing_ok=True)
        timings.VALIDATIONS.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
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
