"""Make the render-matrix layer's thousands of renders cheap, without changing a byte of output.

Reuse compiled Jinja code across renders: copier builds a fresh Jinja environment for every
render and compiles every template, path part and templated default again: about two thirds of
a render's time. The generated Python code of a template depends only on its source and on the
environment's settings, never on the data it is rendered with, so caching it per (settings,
source) changes no output. Reuse rendered texts and paths too, where they provably depend only on
values that did not change, and skip work on files that nobody changes or that cannot be symbolic
links (git probes, reads, path resolution). Test-only: the product renders one project at a time
and keeps copier untouched; `test_fast_render_changes_nothing` proves that the shortcuts together
leave every byte as it was.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import functools
import importlib
import os
import tempfile
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import jinja2.ext
from jinja2 import meta, nodes
from jinja2.sandbox import modifies_known_mutable

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


# Jinja forbids changing an environment's settings once it has loaded a template (the behaviour is
# undefined), so each environment's key is computed once: a small number, quick to hash.
_ENVIRONMENT_KEYS: weakref.WeakKeyDictionary[jinja2.Environment, int] = weakref.WeakKeyDictionary()
_SETTINGS_NUMBERS: dict[tuple[Any, ...], int] = {}


def _environment_key(env: jinja2.Environment) -> int:
    """What, besides a template's source and data, decides its code and its output."""
    if env not in _ENVIRONMENT_KEYS:
        settings = (
            type(env),
            env.code_generator_class,
            tuple(getattr(env, name) for name in _SYNTAX_SETTINGS),
            tuple(sorted(env.extensions)),
            env.autoescape if isinstance(env.autoescape, bool) else id(env.autoescape),
            env.finalize,
            env.undefined,
            env.is_async,
        )
        _ENVIRONMENT_KEYS[env] = _SETTINGS_NUMBERS.setdefault(settings, len(_SETTINGS_NUMBERS))
    return _ENVIRONMENT_KEYS[env]


# By environment: the names of its extensions with a `preprocess` hook, in the order it runs
# them (names: an extension refers to its environment, which must stay free to go).
_PREPROCESSORS: weakref.WeakKeyDictionary[jinja2.Environment, list[str]] = (
    weakref.WeakKeyDictionary()
)


def _replay_preprocess(env: jinja2.Environment, source: str, name: str | None = None) -> None:
    """Run the extensions' `preprocess` hooks on `source`, as compiling it would have.

    For their side effect: copier's `{% yield %}` extension resets its state there, which copier
    reads after rendering each path part and each file.
    """
    if env not in _PREPROCESSORS:
        _PREPROCESSORS[env] = [
            extension.identifier
            for extension in env.iter_extensions()
            if type(extension).preprocess is not jinja2.ext.Extension.preprocess
        ]
    for identifier in _PREPROCESSORS[env]:
        source = env.extensions[identifier].preprocess(source, name, None)


@contextlib.contextmanager
def compiled_code_cache() -> Iterator[dict[tuple[Any, ...], Any]]:
    """Within the block, `Environment.compile` returns cached code for a source it compiled.

    For a source it compiled before, it runs the extensions' `preprocess` hooks, as compiling does.
    """
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
        if key in cache:
            _replay_preprocess(self, source, name)
        else:
            cache[key] = original(self, source, name, filename, raw, defer_init)
        return cache[key]

    setattr(jinja2.Environment, "compile", compile_cached)  # noqa: B010
    try:
        yield cache
    finally:
        setattr(jinja2.Environment, "compile", original)  # noqa: B010


# Filters whose result is a function of their arguments alone: jinja2's own but `random` and those
# that call other filters or tests by a name given at run time, and the regular expression and
# serialising ones of jinja2-ansible-filters (not its clock, random, file or environment ones).
_PURE_FILTERS = (
    frozenset(jinja2.filters.FILTERS)
    - {"attr", "map", "random", "reject", "rejectattr", "select", "selectattr"}
) | {
    "regex_escape",
    "regex_findall",
    "regex_replace",
    "regex_search",
    "to_json",
    "to_nice_json",
    "to_nice_yaml",
    "to_yaml",
}
# Nodes through which a template reads more than the names it mentions (other templates, the
# whole context) or runs extension code (copier's `{% yield %}` writes the environment's state).
_CONTEXT_NODES = (
    nodes.Extends,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.ExtensionAttribute,
    nodes.ImportedName,
    nodes.ContextReference,
    nodes.DerivedContextReference,
)


def _mutates(attribute: str) -> bool:
    return modifies_known_mutable([], attribute) or modifies_known_mutable({}, attribute)


def _read_names(env: jinja2.Environment, source: str) -> tuple[str, ...] | None:
    """The names a template reads from its context, if its output depends on their values only.

    None where it may depend on more or change what it reads: other templates, extension code,
    `self`, a filter or test that is not a pure function, a call of anything but a method or one of
    the template's own macros, a method that changes a list or dict. Or where it does not compile:
    rendering it raises as before.
    """
    try:
        ast = env.parse(source)
        undeclared = meta.find_undeclared_variables(ast)  # compiles: may fail too
    except jinja2.TemplateError:
        return None
    if any(ast.find_all(_CONTEXT_NODES)):
        return None
    if any(node.name not in _PURE_FILTERS for node in ast.find_all(nodes.Filter)):
        return None
    if any(node.name not in jinja2.tests.TESTS for node in ast.find_all(nodes.Test)):
        return None
    macros = {macro.name for macro in ast.find_all(nodes.Macro)} | {"caller"}
    for call in ast.find_all(nodes.Call):
        callee = call.node
        if not isinstance(callee, nodes.Getattr) and not (
            isinstance(callee, nodes.Name) and callee.name in macros
        ):
            return None
    if any(_mutates(node.attr) for node in ast.find_all(nodes.Getattr)):
        return None
    for getitem in ast.find_all(nodes.Getitem):
        if isinstance(getitem.arg, nodes.Const) and _mutates(str(getitem.arg.value)):
            return None
    # Every name loaded, even one the template sets itself: more names only make the key longer.
    loaded = {name.name for name in ast.find_all(nodes.Name) if name.ctx == "load"}
    if "self" in loaded:  # the template itself: it shows its file's name
        return None
    return tuple(sorted(undeclared | loaded))


_NAMES_READ: dict[tuple[Any, ...], tuple[str, ...] | None] = {}


def _names_read(env: jinja2.Environment, source: str) -> tuple[str, ...] | None:
    """`_read_names`, once per environment settings and source."""
    key = (_environment_key(env), source)
    if key not in _NAMES_READ:
        _NAMES_READ[key] = None if env.is_async else _read_names(env, source)
    return _NAMES_READ[key]


class _NotPlainError(Exception):
    """A value that is not plain data: how it renders may depend on more than its value."""


def _freeze(value: object) -> Hashable:
    """A key equal for two plain values exactly when every template renders them the same."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)  # with the type: 1, 1.0 and True are equal but render differently
    if kind is float:
        return (kind, repr(value))  # 0.0 == -0.0
    if isinstance(value, list | tuple) and kind in (list, tuple):
        return (kind, tuple(_freeze(item) for item in value))
    if isinstance(value, dict) and kind is dict:
        return (kind, tuple((_freeze(k), _freeze(v)) for k, v in value.items()))
    raise _NotPlainError


_UNDEFINED = object()  # a name neither the context nor the globals hold


def _values_read(
    names: tuple[str, ...], context: Mapping[str, Any], globals_: Mapping[str, Any]
) -> tuple[Hashable, ...]:
    """The key of the values a template reads under `names`: from its context, else its globals.

    Raises `_NotPlainError` where one of them is not plain data.
    """
    values: list[Hashable] = []
    for name in names:
        value = context[name] if name in context else globals_.get(name, _UNDEFINED)
        values.append(_UNDEFINED if value is _UNDEFINED else _freeze(value))
    return tuple(values)


def _as_context(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Mapping[str, Any]:
    """The variables of `Template.render(*args, **kwargs)`, as jinja2 takes them (a new dict)."""
    if not kwargs and len(args) == 1 and type(args[0]) is dict:
        return args[0]  # jinja2 copies it: not needed to read it
    return kwargs if not args else dict(*args, **kwargs)


# Enough for every text of a few dozen renders (a few hundred each, most the same from one
# combination to the next); at most a few tens of megabytes.
_KEPT_TEXTS = 5000


class _Texts:
    """The rendered texts `memoised_rendering` keeps, by what decides them, and how often reused."""

    def __init__(self, render: Callable[..., Any], hits: collections.Counter[str]) -> None:
        self._render = render  # jinja2's own `Template.render`
        self._kept: dict[tuple[Any, ...], str] = {}
        self._hits = hits

    def render(
        self,
        template: Callable[[], jinja2.Template],
        source: str,
        names: tuple[str, ...],
        env: jinja2.Environment,
        globals_: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> str:
        try:
            key = (_environment_key(env), source, _values_read(names, context, globals_))
        except _NotPlainError:
            return str(self._render(template(), context))
        if key in self._kept:
            self._hits["rendered text"] += 1
            self._kept[key] = self._kept.pop(key)  # now the most recently used
        else:
            self._kept[key] = str(self._render(template(), context))
            if len(self._kept) > _KEPT_TEXTS:
                del self._kept[next(iter(self._kept))]  # the least recently used
        return self._kept[key]


class _MemoisedTemplate:
    """What `from_string` returns within `memoised_rendering`: a template compiled only if needed.

    `render` looks for the text first; anything else is the compiled template's.
    """

    def __init__(
        self,
        texts: _Texts,
        build: Callable[[], jinja2.Template],
        env: jinja2.Environment,
        source: str,
        names: tuple[str, ...],
    ) -> None:
        self._texts = texts
        self._build = build
        self._env = env
        self._source = source
        self._names = names

    @functools.cached_property
    def template(self) -> jinja2.Template:
        return self._build()

    def render(self, *args: Any, **kwargs: Any) -> str:
        # The globals `from_string` gives a template: the environment's.
        return self._texts.render(
            lambda: self.template,
            self._source,
            self._names,
            self._env,
            self._env.globals,
            _as_context(args, kwargs),
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.template, name)


@contextlib.contextmanager
def memoised_rendering() -> Iterator[collections.Counter[str]]:
    """Within the block, a template rendered again with the same values returns the same text.

    Each render renders the same few hundred templates (files, path parts, the questions'
    defaults, choices and validators) with answers that differ from the last combination's in one
    or two values, which most templates do not read. A template's output is a function of its
    source, of its environment's settings and of the values of the names it reads (jinja2's own
    analysis, see `_read_names`), when these are plain data: its text is kept under exactly these.
    Any other template (see `_read_names`), value (a path, copier's `_copier_conf`, an undefined
    that raises) or render that fails renders as before. `from_string` compiles a template only
    when a render misses, after running the `preprocess` hooks that compiling would have run.
    Yields how often a text was reused. Enter it within `compiled_code_cache`, which makes each
    template's code one object: it keeps every compiled code it sees.
    """
    original_compile: Any = jinja2.Environment.compile
    original_from_string: Any = jinja2.Environment.from_string
    original_from_code: Any = jinja2.Template.__dict__["from_code"]
    original_render: Any = jinja2.Template.render
    hits: collections.Counter[str] = collections.Counter()
    texts = _Texts(original_render, hits)
    # By `id` of compiled code (kept alive here, so the id stays its own): its source.
    sources: dict[int, tuple[CodeType, str]] = {}
    readable: weakref.WeakKeyDictionary[jinja2.Template, tuple[str, tuple[str, ...]]] = (
        weakref.WeakKeyDictionary()
    )

    def from_string(
        self: jinja2.Environment, source: Any, globals: Any = None, template_class: Any = None
    ) -> Any:
        names = _names_read(self, source) if isinstance(source, str) else None
        if names is None or globals is not None or template_class is not None:
            return original_from_string(self, source, globals, template_class)
        _replay_preprocess(self, source)
        return _MemoisedTemplate(
            texts, lambda: original_from_string(self, source), self, source, names
        )

    # Templates loaded from files: their source is known when compiled, their object made after.
    def compile_and_remember(
        self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any
    ) -> Any:
        code = original_compile(self, source, *args, **kwargs)
        if isinstance(code, CodeType) and id(code) not in sources:
            sources[id(code)] = (code, source)
        return code

    def from_code(
        cls: type[jinja2.Template], environment: jinja2.Environment, code: CodeType, *args: Any
    ) -> jinja2.Template:
        template: jinja2.Template = original_from_code.__func__(cls, environment, code, *args)
        if id(code) in sources:
            source = sources[id(code)][1]
            names = _names_read(environment, source)
            if names is not None:
                readable[template] = (source, names)
        return template

    def render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        if self not in readable:
            return str(original_render(self, *args, **kwargs))
        source, names = readable[self]
        return texts.render(
            lambda: self, source, names, self.environment, self.globals, _as_context(args, kwargs)
        )

    setattr(jinja2.Environment, "compile", compile_and_remember)  # noqa: B010
    setattr(jinja2.Environment, "from_string", from_string)  # noqa: B010
    setattr(jinja2.Template, "from_code", classmethod(from_code))  # noqa: B010
    setattr(jinja2.Template, "render", render)  # noqa: B010
    try:
        yield hits
    finally:
        setattr(jinja2.Environment, "compile", original_compile)  # noqa: B010
        setattr(jinja2.Environment, "from_string", original_from_string)  # noqa: B010
        setattr(jinja2.Template, "from_code", original_from_code)  # noqa: B010
        setattr(jinja2.Template, "render", original_render)  # noqa: B010


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
    copier changes in place when it renders the answers file's name. A part rendered again runs
    the extensions' `preprocess` hooks, as compiling it again would; one with a `{% yield %}` tag
    is rendered again.
    """
    worker: Any = importlib.import_module("copier._main").Worker
    get_yield_context: Any = importlib.import_module("copier._jinja_ext").get_yield_context
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
        if string in memo:
            _replay_preprocess(self.jinja_env, string)  # as compiling it again would
            return memo[string]
        text = str(original_render_string(self, string, extra_context))
        # A part with a `{% yield %}` tag sets state that copier reads after each rendering.
        if get_yield_context(self.jinja_env).yield_name is None:
            memo[string] = text
        return text

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
        if id(self) in relpaths:  # as compiling the name's template again would
            _replay_preprocess(
                self.jinja_env, str(self.answers_file or self.template.answers_relpath)
            )
        else:
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


# The template snapshots `shared_template_snapshot` made and keeps: nothing changes them.
_SHARED_SNAPSHOTS: set[str] = set()


@contextlib.contextmanager
def shared_template_snapshot() -> Iterator[collections.Counter[str]]:
    """Within the block, every render reads one snapshot of the template instead of a new copy.

    `render.render` copies copier.yml and template/ (hundreds of files) into its staging directory
    so that a render never sees the checkout change under it. In the matrix the checkout does not
    change, so one copy per source and process serves every render. Nothing writes to that copy,
    so what copier learns by reading it is learnt once per process too: each template file's text
    (with the check that it lies inside the template), and whether the copy is a git repository
    or bundle (three git subprocesses per render: it is neither, being a plain copy made here).
    Yields how often each was learnt again.
    """
    render_module: Any = importlib.import_module("mlops_new.render")
    template_class: Any = importlib.import_module("copier._template").Template
    loader_class: Any = importlib.import_module("copier._jinja_ext").CopierTemplateLoader
    original = render_module.snapshot_template
    original_vcs = template_class.__dict__["vcs"]
    original_get_source = loader_class.get_source
    hits: collections.Counter[str] = collections.Counter()
    snapshots: dict[str, Path] = {}
    keep = tempfile.TemporaryDirectory(prefix="mlops-new-snapshot-", dir=ram_disk())

    def shared(into: Path, source: Path | None = None) -> Path:
        key = str(source)
        if key not in snapshots:
            # Resolved, as copier names it (`Template.local_abspath`, its loader's directory).
            snapshots[key] = original(Path(keep.name).resolve() / str(len(snapshots)), source)
            _SHARED_SNAPSHOTS.add(str(snapshots[key]))
        return snapshots[key]

    probed: dict[str, Any] = {}

    def vcs(self: Any) -> Any:
        if self.url not in _SHARED_SNAPSHOTS:
            return original_vcs.func(self)
        if self.url in probed:
            hits["git probe"] += 1
        else:
            probed[self.url] = original_vcs.func(self)
        return probed[self.url]

    read: dict[tuple[str, str], Any] = {}

    def get_source(self: Any, environment: jinja2.Environment, template: str) -> Any:
        if self.searchpath[0] not in _SHARED_SNAPSHOTS:
            return original_get_source(self, environment, template)
        key = (self.searchpath[0], template)
        if key in read:
            hits["template file"] += 1
        else:
            read[key] = original_get_source(self, environment, template)
        return read[key]

    probe_once = functools.cached_property(vcs)
    probe_once.__set_name__(template_class, "vcs")
    render_module.snapshot_template = shared
    template_class.vcs = probe_once
    loader_class.get_source = get_source
    try:
        yield hits
    finally:
        render_module.snapshot_template = original
        template_class.vcs = original_vcs
        loader_class.get_source = original_get_source
        _SHARED_SNAPSHOTS.difference_update(str(path) for path in snapshots.values())
        keep.cleanup()


@contextlib.contextmanager
def memoised_paths() -> Iterator[collections.Counter[str]]:
    """Within the block, a template path renders to the paths it rendered to before, if it can.

    Copier renders each of the template's paths (hundreds a render) part by part, probing the
    template for a sibling with or without the templates suffix on the way: a fifth of a render.
    What it yields is a function of the path, of the text of each part (a function of the values
    the part reads: see `memoised_rendering`), of the answers file's name, of the templates suffix
    and of the template's files, which do not change in a snapshot of `shared_template_snapshot`:
    kept under these for a template there. Not kept: a path naming the answers file (copier may
    warn about it), a part that `_read_names` refuses or that reads a value that is not plain.
    Yields how often a path's rendering was reused.
    """
    worker: Any = importlib.import_module("copier._main").Worker
    original = worker._render_path
    hits: collections.Counter[str] = collections.Counter()
    paths: dict[tuple[Any, ...], Any] = {}
    names_read: dict[tuple[Any, ...], tuple[str, ...] | None] = {}

    def names_in_parts(
        env: jinja2.Environment, relpath: Path, suffix: str
    ) -> tuple[str, ...] | None:
        # The parts copier renders: the path without the templates suffix, as copier drops it.
        if suffix and relpath.name.endswith(suffix):
            relpath = relpath.with_suffix("")
        names: set[str] = set()
        for part in relpath.parts:
            read = _names_read(env, part)
            if read is None:
                return None
            names.update(read)
        return tuple(sorted(names))

    def render_path(self: Any, relpath: Path) -> Any:
        root = str(self.template.local_abspath)
        if root not in _SHARED_SNAPSHOTS:
            return original(self, relpath)
        env = self.jinja_env
        suffix = self.template.templates_suffix
        source = (_environment_key(env), suffix, str(relpath))
        if source not in names_read:
            names_read[source] = names_in_parts(env, relpath, suffix)
        names = names_read[source]
        if names is None:
            return original(self, relpath)
        try:
            values = _values_read(names, self._render_context(), env.globals)
        except _NotPlainError:
            return original(self, relpath)
        answers_file = self.answers_relpath
        key = (root, str(self.template_copy_root), str(answers_file), source, values)
        if key in paths:
            hits["rendered path"] += 1
            # Each caller gets its own extra context, as from copier.
            return [(path, None if extra is None else dict(extra)) for path, extra in paths[key]]
        rendered = list(original(self, relpath))
        if all(path != answers_file for path, _ in rendered):
            paths[key] = rendered
        return rendered

    worker._render_path = render_path
    try:
        yield hits
    finally:
        worker._render_path = original


@contextlib.contextmanager
def link_free_destination() -> Iterator[collections.Counter[str]]:
    """Within the block, paths in a new project resolve without asking the file system.

    For each path copier writes, it resolves the destination (one system call per directory
    level, to refuse a path that leaves the project through a symbolic link) and asks three times
    whether it is a symbolic link: a sixth of a render. Copier renders a template that does not
    preserve symbolic links by creating directories and regular files only, so in a project
    rendered into a new or empty directory (the matrix's case) no path below that directory is
    or passes through a link: it resolves to itself, normalised (`a/..` dropped), as
    `os.path.realpath` finds by asking about each part, and it is no link. Yields how often a
    path was answered so.
    """
    worker: Any = importlib.import_module("copier._main").Worker
    original_render_template = worker._render_template
    original_resolve = Path.resolve
    original_is_symlink = Path.is_symlink
    hits: collections.Counter[str] = collections.Counter()
    projects: tuple[str, ...] = ()  # those being rendered, resolved, each with a final separator

    def render_template(self: Any) -> Any:
        nonlocal projects
        root = self.dst_path.resolve()
        if self.template.preserve_symlinks or (root.exists() and any(root.iterdir())):
            return original_render_template(self)
        outer = projects
        projects = (*outer, f"{root}{os.sep}")
        try:
            return original_render_template(self)
        finally:
            projects = outer

    def resolve(self: Path, strict: bool = False) -> Path:
        if strict or not str(self).startswith(projects):
            return original_resolve(self, strict)
        hits["resolved"] += 1
        return type(self)(os.path.normpath(self))

    def is_symlink(self: Path) -> bool:
        if not str(self).startswith(projects):
            return original_is_symlink(self)
        hits["no link"] += 1
        return False

    worker._render_template = render_template
    setattr(Path, "resolve", resolve)  # noqa: B010
    setattr(Path, "is_symlink", is_symlink)  # noqa: B010
    try:
        yield hits
    finally:
        worker._render_template = original_render_template
        setattr(Path, "resolve", original_resolve)  # noqa: B010
        setattr(Path, "is_symlink", original_is_symlink)  # noqa: B010
