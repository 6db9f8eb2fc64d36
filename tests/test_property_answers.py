"""Property-based: any text for a free-text question is refused clearly, or lands literally.

hypothesis draws the answers: fragments that mean something to YAML, TOML, JSON, Python, Jinja,
Markdown and shells, non-ASCII, control and line-separator characters, path pieces, and very long
strings. For every free-text question of copier.yml:

- the questionnaire either refuses the text with one line that names the question, or keeps it
  exactly as given (nothing stripped, nothing evaluated);
- an accepted slug or package name is a plain name: it can never reach outside the destination
  or into ``.git``;
- a project rendered with accepted texts has Python that compiles and passes ruff, data files
  that parse, and each text back unchanged where it was written, with nothing outside the
  destination.

CI runs a fixed, derandomised set of examples (the ``ci`` profile); ``HYPOTHESIS_PROFILE=explore``
draws many more, fresh ones each run.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_new import questions, render
from mlops_new.errors import AnswerError
from tests import static_checks

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
settings.register_profile(
    "explore", deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
EXPLORING = os.environ.get("HYPOTHESIS_PROFILE") == "explore"

QUESTIONNAIRE = questions.load()
# Every question whose answer is free text (no choices), read from copier.yml.
FREE_TEXT = tuple(q.key for q in QUESTIONNAIRE.asked if q.type == "str" and not q.has_choices)
# Those that become file, directory, distribution or import names.
NAME_LIKE = ("project_slug", "package_name")
# Those that land in files as text (the e-mail address is drawn separately: it has a grammar).
PROSE = ("project_name", "description", "author_name")

FRAGMENTS = [
    '"', "'", "\\", "`", "'''", '"""', "{{ 7*7 }}", "{%", "%}", "{% raw %}", "{#", "#}",
    "${{ secrets.TOKEN }}", "$(id)", "${HOME}", ": ", "- ", "# ", "[", "]", "{", "}", "=", ",",
    "&anchor", "*alias", "!!python/object", "---", "...", "|", ">", "<!--", "<script>", "&amp;",
    "\\n", "\\u0000", "%s", "%(x)s", "\n", "\r", "\t", "\x00", "\x1b[31m", "\x7f", "\x85",
    "\u2028", "\u2029", "\ufeff", "é", "ß", "Ω", "✓", "🙂", "漢字", "\u202e", "../", "..", "/",
    "~", ".git", ".git/hooks/pre-commit", "C:\\", "-", "_", " ", "  ", "a", "z", "0", "9",
]  # fmt: skip

hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=14
).map("".join)
# Strings around and far beyond every length limit of copier.yml.
long_text = st.integers(min_value=60, max_value=5_000).flatmap(
    lambda size: st.text(alphabet=st.sampled_from("aZ-_ 7é\"'{}%\\"), min_size=size, max_size=size)
)
# Near misses: a valid name with one fragment at its start, in its middle or at its end (a
# trailing newline once slipped through a ``$`` in a pattern).
near_miss = st.builds(
    lambda name, fragment, at: name[:at] + fragment + name[at:],
    st.from_regex(r"[a-z][a-z0-9]{2,12}", fullmatch=True),
    st.sampled_from(FRAGMENTS),
    st.sampled_from([0, 2, 99]),
)
any_text = st.one_of(hostile_text, long_text, near_miss)
# Accepted e-mail addresses are a small language; draw its hostile but valid local parts too.
email = st.builds(
    "{}@{}.{}".format,
    st.text(alphabet=st.sampled_from("a0.+-_'!#$%&*=?^`{|}~{}é✓"), min_size=1, max_size=40),
    st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z]{2,6}", fullmatch=True),
)

NAME_PATTERNS = {
    "project_slug": re.compile(r"[a-z][a-z0-9-]{0,62}"),
    "package_name": re.compile(r"[a-z_][a-z0-9_]*"),
}


@settings(max_examples=4_000 if EXPLORING else 400)
@given(key=st.sampled_from(FREE_TEXT), value=any_text)
def test_an_answer_is_refused_in_one_line_or_kept_exactly(key: str, value: str) -> None:
    try:
        answers = QUESTIONNAIRE.resolve({key: value}).answers
    except AnswerError as error:
        message = str(error)
        # One line, naming what was wrong: the question itself, or the name derived from it.
        assert "\n" not in message
        assert error.key in message
        assert error.key == key or error.key in NAME_LIKE
        return
    assert answers[key] == value
    # A text that lands in files is one line with no control character, whatever counts as a
    # line break where it lands (YAML and str.splitlines() also break at U+0085 and U+2028).
    assert len(value.splitlines()) <= 1
    assert not any(unicodedata.category(character) == "Cc" for character in value)
    for name, pattern in NAME_PATTERNS.items():
        # Whatever was typed, the names that make paths are plain names.
        assert pattern.fullmatch(answers[name]), (name, answers[name])
        assert answers[name] not in {".git", "..", "."}


def accepted_or(key: str, value: str, fallback: str) -> str:
    """``value`` when the questionnaire accepts it for ``key`` (the first test covers refusals)."""
    try:
        QUESTIONNAIRE.resolve({key: value})
    except AnswerError:
        return fallback
    return value


@settings(max_examples=150 if EXPLORING else 12)
@given(project_name=any_text, description=any_text, author_name=any_text, author_email=email)
def test_a_project_rendered_from_accepted_texts_keeps_them_literally(
    project_name: str, description: str, author_name: str, author_email: str
) -> None:
    answers = QUESTIONNAIRE.resolve(
        {
            "project_name": accepted_or("project_name", project_name, "P"),
            "description": accepted_or("description", description, ""),
            "author_name": accepted_or("author_name", author_name, "A"),
            "author_email": accepted_or("author_email", author_email, "a@example.com"),
            "serving_mode": "rest_and_batch",
        }
    ).answers

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        project = render.render(answers, root / "project")
        # Nothing outside the destination, and no repository written by the render.
        assert [path.name for path in root.iterdir()] == ["project"]
        assert not (project / ".git").exists()
        for path in project.rglob("*"):
            assert path.resolve().is_relative_to(project.resolve())

        static_checks.assert_texts_kept(project, answers, (*PROSE, "author_email"))
