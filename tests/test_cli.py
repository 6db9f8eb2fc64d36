"""Layer 2: the command line through its real entry point; the wizard through a fake prompter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_new import cli, prompts
from mlops_new.prompts import Prompt
from mlops_new.questions import Questionnaire
from tests.helpers import nothing_written


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def answers_of(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return data


def test_no_input_renders_with_defaults_and_commits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([str(tmp_path / "fraud-model"), "--no-input"], capsys)
    assert code == 0, err
    project = tmp_path / "fraud-model"
    answers = answers_of(project)
    assert answers["project_name"] == "Fraud Model"
    assert answers["project_slug"] == "fraud-model"
    assert answers["package_name"] == "fraud_model"
    assert "make setup" in out
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True
    )
    assert len(log.stdout.splitlines()) == 1
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "uv.lock" in tracked  # the first commit pins every dependency
    assert "pyproject.toml" in tracked
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    # No staging directory left beside the project.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fraud-model"]


def test_preset_set_and_answers_file_layer_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text("serving_mode: rest\nci_provider: github\n_commit: ignored\n")
    code, _, err = run(
        [
            str(tmp_path / "p"),
            "--no-input",
            "--no-git",
            "--no-lock",
            "--preset",
            "minimal",
            "--answers-file",
            str(answers_file),
            "--set",
            "ci_provider=none",
            "--set",
            "latency_slo_ms=250",
        ],
        capsys,
    )
    assert code == 0, err
    answers = answers_of(tmp_path / "p")
    assert answers["experiment_tracking"] == "none"  # from the preset
    assert answers["serving_mode"] == "rest"  # the file beats the preset
    assert answers["ci_provider"] == "none"  # --set beats the file
    assert answers["latency_slo_ms"] == 250
    assert not (tmp_path / "p" / ".git").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["--set", "serving_mode=grpc"],
            "serving_mode must be one of: rest, batch, rest_and_batch",
        ),
        (["--set", "colour=blue"], "unknown question 'colour'"),
        (["--set", "problem_type=regression", "--set", "primary_metric=f1"], "primary_metric"),
        (["--set", "latency_slo_ms=fast"], "latency_slo_ms must be an integer"),
        (["--set", "package_name=json"], "package_name must not shadow"),
        (["--set", "project_name=a\tb"], "project_name must not contain control characters"),
        (["--preset", "gigantic"], "unknown preset 'gigantic'; available presets: minimal"),
        (["--set", "novalue"], "--set expects KEY=VALUE"),
        (["--answers-file", "/nonexistent/answers.yml"], "cannot read answers file"),
        (["--bogus-flag"], "No such option"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = run([str(tmp_path / "p"), "--no-input", *args], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert needle in lines[0]
    assert "Traceback" not in err + out
    assert nothing_written(tmp_path / "p")
    assert list(tmp_path.iterdir()) == []


def test_non_empty_destination_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p").mkdir()
    keep = tmp_path / "p" / "notes.txt"
    keep.write_text("mine")
    code, _, err = run([str(tmp_path / "p"), "--no-input"], capsys)
    assert code == 2
    assert "is not empty" in err
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["notes.txt"]
    assert keep.read_text() == "mine"


def test_unwritable_destination_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run([str(blocker / "p"), "--no-input"], capsys)
    assert code == 2
    assert "is not a directory" in err


def test_failed_render_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def explode(*args: Any, **kwargs: Any) -> None:
        out = Path(args[1])
        out.mkdir(parents=True)
        (out / "half-written.txt").write_text("x")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(copier, "run_copy", explode)
    code, _, err = run([str(tmp_path / "deep" / "p"), "--no-input"], capsys)
    assert code == 2
    assert "No space left on device" in err
    assert list(tmp_path.iterdir()) == []


def test_interrupted_render_exits_130_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def interrupted(*args: Any, **kwargs: Any) -> None:
        Path(args[1]).mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", interrupted)
    code, _, err = run([str(tmp_path / "p"), "--no-input"], capsys)
    assert code == 130
    assert "nothing was written" in err
    assert list(tmp_path.iterdir()) == []


def test_options_lists_questions_choices_and_presets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["options", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    keys = [q["key"] for q in data["questions"]]
    assert keys[0] == "project_name" and "serving_mode" in keys
    metric = next(q for q in data["questions"] if q["key"] == "primary_metric")
    assert metric["choices_by_problem_type"]["regression"] == ["rmse", "mae", "r2"]
    assert set(data["presets"]) == {"minimal", "standard", "full"}
    code, text, _ = run(["options"], capsys)
    assert "serving_mode" in text and "Presets" in text and "minimal" in text


def test_matrix_json_matches_questionnaire(
    capsys: pytest.CaptureFixture[str], questionnaire: Questionnaire
) -> None:
    from mlops_new import matrix

    code, out, _ = run(["matrix"], capsys)
    assert code == 0
    assert json.loads(out) == list(matrix.combinations(questionnaire))
    code, out, _ = run(["matrix", "--covering"], capsys)
    assert json.loads(out) == matrix.covering(questionnaire)


def test_the_option_matrix_page_is_generated_from_copier_yml(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/option-matrix.md is the output of `mlops-new matrix --format markdown`, byte for byte:
    regenerate it with that command after changing copier.yml."""
    code, out, _ = run(["matrix", "--format", "markdown"], capsys)
    assert code == 0
    page = Path(__file__).resolve().parent.parent / "docs" / "option-matrix.md"
    assert page.read_text(encoding="utf-8") == out
    assert "| `orchestrator` | `kubeflow` | `deploy_target` = `compose` |" in out


def test_matrix_shards_partition_every_combination(
    capsys: pytest.CaptureFixture[str], questionnaire: Questionnaire
) -> None:
    """CI jobs each take a shard: together they hold every combination exactly once."""
    from mlops_new import matrix

    every = list(matrix.combinations(questionnaire))
    shards = []
    for index in range(1, 8):
        code, out, _ = run(["matrix", "--shard", f"{index}/7"], capsys)
        assert code == 0
        shards.append(json.loads(out))
    sizes = [len(shard) for shard in shards]
    assert max(sizes) - min(sizes) <= 1
    labels = [matrix.label(combo) for shard in shards for combo in shard]
    assert sorted(labels) == sorted(map(matrix.label, every))
    for bad in ("0/7", "8/7", "x/7", "3"):
        code, out, err = run(["matrix", "--shard", bad], capsys)
        assert (code, out) == (2, "")
        assert err.startswith("error: --shard expects K/N")


def test_help_is_instant_and_imports_nothing_heavy() -> None:
    code = (
        "import sys, mlops_new.cli\n"
        "heavy = [m for m in ('copier', 'questionary', 'yaml', 'jinja2') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
    help_run = subprocess.run(
        [sys.executable, "-m", "mlops_new.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert help_run.returncode == 0
    assert "mlops-new" in help_run.stdout


class ScriptedPrompter:
    """Answers prompts from a dict keyed by question key; records what was asked."""

    def __init__(self, replies: dict[str, Any], interrupt_at: str | None = None) -> None:
        self.replies = replies
        self.interrupt_at = interrupt_at
        self.asked: list[Prompt] = []

    def __call__(self, prompt: Prompt) -> Any:
        self.asked.append(prompt)
        if prompt.key == self.interrupt_at:
            raise KeyboardInterrupt
        if prompt.key in self.replies:
            reply = self.replies[prompt.key]
            if prompt.validate is not None:
                assert prompt.validate(str(reply)) is None, prompt.validate(str(reply))
            return reply
        return prompt.default


def test_wizard_asks_in_method_order_with_dynamic_choices(questionnaire: Questionnaire) -> None:
    prompter = ScriptedPrompter({"_preset": "minimal", "problem_type": "regression"})
    echoed: list[str] = []
    answers = prompts.run_wizard(questionnaire, {}, prompter, echoed.append)
    asked = [p.key for p in prompter.asked]
    assert asked[0] == "_preset"
    assert asked[1:] == list(questionnaire.keys)
    metric = next(p for p in prompter.asked if p.key == "primary_metric")
    assert [c.value for c in metric.choices] == ["rmse", "mae", "r2"]
    assert metric.default == "rmse"
    threshold = next(p for p in prompter.asked if p.key == "metric_threshold")
    assert "at most" in threshold.message  # help explains the direction of the chosen metric
    assert answers["serving_mode"] == "batch"  # the preset's suggestion was kept
    assert answers["problem_type"] == "regression"
    assert any("Requirements" in line for line in echoed)


def test_wizard_validates_typed_text(questionnaire: Questionnaire) -> None:
    prompter = ScriptedPrompter({})
    prompts.run_wizard(questionnaire, {}, prompter, lambda _: None)
    slug = next(p for p in prompter.asked if p.key == "project_slug")
    assert slug.validate is not None
    assert "project_slug must match" in (slug.validate("Not A Slug") or "")
    assert slug.validate("good-slug") is None


def test_wizard_skips_provided_answers(questionnaire: Questionnaire) -> None:
    prompter = ScriptedPrompter({})
    prompts.run_wizard(questionnaire, {"serving_mode": "rest"}, prompter, lambda _: None)
    asked = [p.key for p in prompter.asked]
    assert "serving_mode" not in asked
    assert "_preset" not in asked


def test_cli_wizard_summary_and_ctrl_c(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    prompter = ScriptedPrompter({"_preset": "standard", "_confirm": True})
    monkeypatch.setattr(prompts, "questionary_prompter", prompter)
    code, out, err = run([str(tmp_path / "churn"), "--no-git", "--no-lock"], capsys)
    assert code == 0, err
    assert "What will be generated" in out
    assert "Online serving: FastAPI" in out
    assert answers_of(tmp_path / "churn")["project_name"] == "Churn"

    monkeypatch.setattr(
        prompts, "questionary_prompter", ScriptedPrompter({}, interrupt_at="serving_mode")
    )
    code, _, err = run([str(tmp_path / "other")], capsys)
    assert code == 130
    assert not (tmp_path / "other").exists()

    monkeypatch.setattr(prompts, "questionary_prompter", ScriptedPrompter({"_confirm": False}))
    code, _, err = run([str(tmp_path / "declined")], capsys)
    assert code == 2
    assert "nothing was written" in err
    assert not (tmp_path / "declined").exists()


def test_console_script_exit_codes(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("mlops-new")
    env = {**os.environ}
    bad = subprocess.run(
        [str(exe), str(tmp_path / "p"), "--no-input", "--set", "license=gpl"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert bad.returncode == 2
    assert (
        bad.stderr.strip()
        == "error: license must be one of: mit, apache-2.0, proprietary (got 'gpl')"
    )
    no_tty = subprocess.run(
        [str(exe), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert no_tty.returncode == 2
    assert "use --no-input" in no_tty.stderr
