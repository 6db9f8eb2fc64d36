"""The render matrix's shortcuts (compiled code, parsed copier.yml and render context reused, no git
probe) change no byte of output."""

from __future__ import annotations

from pathlib import Path

from mlops_new import matrix, questions, render
from tests.fast_render import (
    cached_render_context,
    cached_template_config,
    compiled_code_cache,
    shared_template_snapshot,
    without_git_index_sync,
)
from tests.helpers import tree

QUESTIONNAIRE = questions.load()
COMBINATIONS = list(matrix.combinations(QUESTIONNAIRE))


def test_fast_render_changes_nothing(tmp_path: Path) -> None:
    combos = [COMBINATIONS[0], COMBINATIONS[-1]]
    plain = [
        render.render(QUESTIONNAIRE.resolve(c).answers, tmp_path / f"plain{i}")
        for i, c in enumerate(combos)
    ]
    with (
        compiled_code_cache() as cache,
        without_git_index_sync(),
        cached_template_config(),
        cached_render_context(),
        shared_template_snapshot(),
    ):
        fast = [
            render.render(QUESTIONNAIRE.resolve(c).answers, tmp_path / f"fast{i}")
            for i, c in enumerate(combos)
        ]
        assert cache, "the cache was not used"
    for slow_project, fast_project in zip(plain, fast, strict=True):
        assert tree(slow_project) == tree(fast_project)
        for name in tree(slow_project):
            assert (slow_project / name).read_bytes() == (fast_project / name).read_bytes(), name
