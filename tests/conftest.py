"""Shared fixtures and helpers of the generator's tests."""

from __future__ import annotations

import pytest

from mlops_new import questions


@pytest.fixture(scope="session")
def questionnaire() -> questions.Questionnaire:
    return questions.load()
