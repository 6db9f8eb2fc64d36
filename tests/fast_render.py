"""Make the render-matrix layer's thousands of renders cheap, without changing a byte of output.

Reuse compiled Jinja code across renders: copier builds a fresh Jinja environment for every
render and compiles every template, path part and templated default again: about two thirds of
a render's time. The generated Python code of a
template depends only on its source and on the environment's syntax settings, never on the data
it is rendered with, so caching it per (settings, source) changes no output. And skip a git
subprocess per written file that is a no-op in a fresh directory. Test-only: the product renders
one project at a time and keeps copier untouched; `test_fast_render_changes_nothing` proves that
both shortcuts leave every byte as it was.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2

_SYNTAX_SETTINGS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
)


RAM_DISK = Path("/dev/shm")


def ram_disk() -> Path | None:
    """A RAM file system to write throwaway renders to, where the machine has one.

    A render writes hundreds of small files: on this machine's disk, creating them took more than
    half of a render's time (0.22 s a render on disk, 0.09 s in RAM). Where the bytes go changes
    none of them.
    """
    return RAM_DISK if RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK) else None


@contextlib.contextmanager
def scratch_directory() -> Iterator[Path]:
    """A new empty directory, in RAM where possible, removed with everything in it afterwards."""
    with tempfile.TemporaryDirectory(prefix="mlops-new-matrix-", dir=ram_disk()) as directory:
        yield Path(directory)


def _environment_key(env: jinja2.Environment) -> tuple[Any, ...]:
    return (
        type(env),
        env.code_generator_class,
        tuple(getattr(env, name) for name in _SYNTAX_SETTINGS),
        tuple(sorted(env.extensions)),
        env.autoescape if isinstance(env.autoescape, bool) else id(env.autoescape),
        env.finalize is None,
    )


@contextlib.contextmanager
def compiled_code_cache() -> Iterator[dict[tuple[Any, ...], Any]]:
    """Within the block, `Environment.compile` returns cached code for a source it compiled."""
    original: Any = jinja2.Environment.compile
    cache: dict[tuple[Any, ...], Any] = {}

    def compile_cached(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):  # an already parsed template: nothing to key on
            return original(self, source, name, filename, raw, defer_init)
        # Not keyed on `filename`: each render reads the template from its own snapshot
        # directory, and the file name only labels tracebacks.
        key = (_environment_key(self), source, name, raw, defer_init)
        if key not in cache:
            cache[key] = original(self, source, name, filename, raw, defer_init)
        return cache[key]

    setattr(jinja2.Environment, "compile", compile_cached)  # noqa: B010
    try:
        yield cache
    finally:
        setattr(jinja2.Environment, "compile", original)  # noqa: B010


@contextlib.contextmanager
def without_git_index_sync() -> Iterator[None]:
    """Within the block, copier does not look for git while writing files.

    For every file it writes, copier runs `git config core.fileMode` in the destination to keep
    an existing repository's index in step with executable bits (a no-op, by its own docs, outside
    a repository or where the setting is unset). The render matrix writes into fresh temporary
    directories outside any repository, so that is one useless subprocess per file: a third of a
    render once compilation is cached.
    """
    # Test-only: the product never patches copier.
    copier_main: Any = importlib.import_module("copier._main")
    original = copier_main.is_git_available
    copier_main.is_git_available = lambda: False
    try:
        yield
    finally:
        copier_main.is_git_available = original


@contextlib.contextmanager
def cached_template_config() -> Iterator[None]:
    """Within the block, copier parses each distinct copier.yml once.

    Every render snapshots the template into a new directory, so copier reads and parses the same
    copier.yml (a fifth of a second) again each time. Keyed by the file's bytes; each render gets
    its own deep copy, as copier may change what it loaded.
    """
    copier_template: Any = importlib.import_module("copier._template")
    original = copier_template.load_template_config
    parsed: dict[bytes, Any] = {}

    def load_cached(conf_path: Path, quiet: bool = False) -> Any:
        content = Path(conf_path).read_bytes()
        if content not in parsed:
            parsed[content] = original(conf_path, quiet)
        return copy.deepcopy(parsed[content])

    copier_template.load_template_config = load_cached
    try:
        yield
    finally:
        copier_template.load_template_config = original


@contextlib.contextmanager
def cached_render_context() -> Iterator[None]:
    """Within the block, copier builds the Jinja context and renders each path part once per render.

    While it writes files, copier rebuilds the whole context (every answer merged again, the
    answers to remember recomputed) for each path part and each file: a few hundred times per
    render, a quarter of its time. The answers are final by then, so one context per render serves
    every file. Each caller still gets its own copy of the context and of `_copier_conf`, which
    copier changes in place when it renders the answers file's name.
    """
    worker: Any = importlib.import_module("copier._main").Worker
    original_render_template = worker._render_template
    original_render_context = worker._render_context
    original_render_string = worker._render_string
    contexts: dict[int, dict[str, Any]] = {}
    # Within one render, a path part (a conditional folder name) renders to the same text for each
    # of the files below it: rendered once per render, by its source.
    rendered: dict[int, dict[str, str]] = {}

    def render_template(self: Any) -> Any:
        contexts[id(self)] = original_render_context(self)
        rendered[id(self)] = {}
        try:
            return original_render_template(self)
        finally:
            contexts.pop(id(self), None)
            rendered.pop(id(self), None)

    def render_string(self: Any, string: str, extra_context: Any = None) -> str:
        memo = rendered.get(id(self))
        if memo is None or extra_context:
            return str(original_render_string(self, string, extra_context))
        if string not in memo:
            memo[string] = original_render_string(self, string, extra_context)
        return memo[string]

    def render_context(self: Any) -> Any:
        context = contexts.get(id(self))
        if context is None:
            return original_render_context(self)
        conf = copy.copy(context["_copier_conf"])  # a LazyDict: copy its two inner dicts too
        conf._pending, conf._done = dict(conf._pending), dict(conf._done)
        return {**context, "_copier_conf": conf}

    # The answers file's name: rendered from a template again for every path copier writes (tens
    # of thousands of times in the matrix), though fixed within a render.
    original_answers_relpath = worker.answers_relpath
    relpaths: dict[int, Any] = {}

    def answers_relpath(self: Any) -> Any:
        if id(self) not in contexts:
            return original_answers_relpath.fget(self)
        if id(self) not in relpaths:
            relpaths[id(self)] = original_answers_relpath.fget(self)
        return relpaths[id(self)]

    def render_template_once(self: Any) -> Any:
        try:
            return render_template(self)
        finally:
            relpaths.pop(id(self), None)

    worker._render_template = render_template_once
    worker._render_context = render_context
    worker._render_string = render_string
    worker.answers_relpath = property(answers_relpath)
    try:
        yield
    finally:
        worker._render_template = original_render_template
        worker._render_context = original_render_context
        worker._render_string = original_render_string
        worker.answers_relpath = original_answers_relpath


@contextlib.contextmanager
def shared_template_snapshot() -> Iterator[None]:
    """Within the block, every render reads one snapshot of the template instead of a new copy.

    `render.render` copies copier.yml and template/ (hundreds of files) into its staging directory
    so that a render never sees the checkout change under it. In the matrix the checkout does not
    change, so one copy per source and process serves every render.
    """
    render_module: Any = importlib.import_module("mlops_new.render")
    original = render_module.snapshot_template
    snapshots: dict[str, Path] = {}
    keep = tempfile.TemporaryDirectory(prefix="mlops-new-snapshot-", dir=ram_disk())

    def shared(into: Path, source: Path | None = None) -> Path:
        key = str(source)
        if key not in snapshots:
            snapshots[key] = original(Path(keep.name) / str(len(snapshots)), source)
        return snapshots[key]

    render_module.snapshot_template = shared
    try:
        yield
    finally:
        render_module.snapshot_template = original
        keep.cleanup()
