"""The render matrix's shortcuts change no byte of output, and each of them is used."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jinja2.sandbox import SandboxedEnvironment

from mlops_new import matrix, questions, render
from tests.fast_render import (
    _freeze,
    _read_names,
    cached_render_context,
    cached_template_config,
    compiled_code_cache,
    link_free_destination,
    memoised_paths,
    memoised_rendering,
    shared_template_snapshot,
    without_git_index_sync,
)

QUESTIONNAIRE = questions.load()
COMBINATIONS = list(matrix.combinations(QUESTIONNAIRE))
MIDDLE = COMBINATIONS[len(COMBINATIONS) // 2]


def _neighbour(combo: dict[str, Any], key: str) -> dict[str, Any]:
    """The first combination that differs from `combo` in the answer to `key` only."""
    return next(
        other
        for other in COMBINATIONS
        if other.keys() == combo.keys() and [k for k in combo if other[k] != combo[k]] == [key]
    )


# The first and the last combination, and pairs that differ in one answer, rendered in this order:
# most of what one render keeps serves the next, and some of it must not.
CASES = [
    COMBINATIONS[0],
    COMBINATIONS[1],
    MIDDLE,
    _neighbour(MIDDLE, "serving_mode"),
    {**MIDDLE, "project_name": "Another Project"},  # and the slug and package name derived from it
    COMBINATIONS[-2],
    COMBINATIONS[-1],
]


def _contents(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path under `root`, with its type and mode bits, and its bytes if it is a file."""
    return {
        path.relative_to(root).as_posix(): (
            path.lstat().st_mode,
            path.read_bytes() if path.is_file() else None,
        )
        for path in root.rglob("*")
    }


def test_cases_differ_as_intended() -> None:
    for first, second in [(0, 1), (2, 3), (2, 4), (5, 6)]:
        differing = [k for k in CASES[second] if CASES[first].get(k) != CASES[second][k]]
        assert len(differing) == 1, (first, second, differing)


# In the order of the render matrix's fixture.
SHORTCUTS = [
    compiled_code_cache,
    memoised_rendering,
    without_git_index_sync,
    cached_template_config,
    cached_render_context,
    shared_template_snapshot,
    memoised_paths,
    link_free_destination,
]


@contextlib.contextmanager
def all_shortcuts() -> Iterator[dict[str, Any]]:
    """Every shortcut, and what each yields (how often it answered from what it kept), by name."""
    with contextlib.ExitStack() as stack:
        yield {shortcut.__name__: stack.enter_context(shortcut()) for shortcut in SHORTCUTS}


def test_fast_render_changes_nothing(tmp_path: Path) -> None:
    plain = [
        _contents(render.render(QUESTIONNAIRE.resolve(c).answers, tmp_path / f"plain{i}"))
        for i, c in enumerate(CASES)
    ]
    with all_shortcuts() as used:
        fast = [
            _contents(render.render(QUESTIONNAIRE.resolve(c).answers, tmp_path / f"fast{i}"))
            for i, c in enumerate(CASES)
        ]
    for i, (slow_project, fast_project) in enumerate(zip(plain, fast, strict=True)):
        assert slow_project.keys() == fast_project.keys(), i
        for name, kept in slow_project.items():
            assert fast_project[name] == kept, (i, name)
    # Each shortcut answered from what it kept (so the comparison above tested it).
    assert used["compiled_code_cache"], "the compiled code cache was not used"
    assert used["memoised_rendering"]["rendered text"] > 0
    assert used["memoised_paths"]["rendered path"] > 0
    assert used["shared_template_snapshot"]["template file"] > 0
    assert used["shared_template_snapshot"]["git probe"] == len(CASES) - 1
    assert used["link_free_destination"]["resolved"] > 0
    assert used["link_free_destination"]["no link"] > 0


def test_fast_render_keeps_yield_tags_working(tmp_path: Path) -> None:
    """Copier's `{% yield %}` path tag keeps state in the Jinja environment, which compiling a
    template resets: the shortcuts that skip compiling still reset it (`_replay_preprocess`)."""
    template = tmp_path / "template"
    files = {
        "copier.yml": "_subdirectory: template\nitems: {type: yaml, default: [a, b]}\nname: p\n",
        "template/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
        "template/{% yield i from items %}{{ i }}{% endyield %}/f.txt.jinja": "{{ i }} {{ name }}",
        "template/sub/{% yield i from items %}{{ i }}{% endyield %}.txt.jinja": "{{ name }}",
        "template/sub/{{ name }}.txt.jinja": "{{ name }}",
    }
    for name, text in files.items():
        (template / name).parent.mkdir(parents=True, exist_ok=True)
        (template / name).write_text(text)
    cases: list[dict[str, Any]] = [
        {"items": ["a", "b"]},
        {"items": ["a", "b", "c"]},
        {"items": ["x"], "name": "q"},
    ]
    plain = [
        _contents(render.render(c, tmp_path / f"plain{i}", template=template))
        for i, c in enumerate(cases)
    ]
    with all_shortcuts():
        fast = [
            _contents(render.render(c, tmp_path / f"fast{i}", template=template))
            for i, c in enumerate(cases)
        ]
    assert fast == plain
    assert "sub/c.txt" in plain[1]


# As copier's: with jinja2-ansible-filters.
ENV = SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("plain text", ()),
        ("{{ b }}{% if a %}{{ c | lower }}{% endif %}", ("a", "b", "c")),
        ("{% for x in xs %}{{ x }}{% endfor %}", ("x", "xs")),  # every name loaded: a longer key
        ("{% macro m(v) %}{{ v }}{% endmacro %}{{ m(a) }}{{ a.strip() }}", ("a", "m", "v")),
        ("{{ range(3) | list }}", None),  # calls a global: not plain data
        ("{% include 'other' %}", None),
        ("{{ '%Y' | strftime }}", None),  # a filter that reads the clock
        ("{{ xs | map('upper') | join }}", None),  # calls a filter named at run time
        ("{{ xs.append(1) }}", None),  # changes a value other templates read
        ("{{ xs['pop']() }}", None),
        ("{{ self }}", None),  # shows the template's name
        ("{% if %}", None),  # does not compile: rendering raises as it would
        ("{{ a | no_such_filter }}", None),
    ],
)
def test_read_names(source: str, names: tuple[str, ...] | None) -> None:
    assert _read_names(ENV, source) == names


def test_equal_values_that_render_differently_are_kept_apart() -> None:
    distinct = [1, 1.0, True, 0.0, -0.0, "1", [1], (1,), {"a": 1}, {"a": True}, None]
    assert len({_freeze(value) for value in distinct}) == len(distinct)
