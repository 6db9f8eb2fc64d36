"""Layer 1: copier.yml is complete, friendly and the single source of every rule."""

from __future__ import annotations

import itertools
import keyword
import sys
from pathlib import Path

import pytest
import yaml

from mlops_new import matrix
from mlops_new.errors import AnswerError
from mlops_new.questions import Questionnaire
from mlops_new.template_source import copier_yml

# DESIGN §3: question keys are a public interface.
PUBLIC_KEYS = (
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "license",
    "python_version",
    "problem_type",
    "primary_metric",
    "metric_threshold",
    "latency_slo_ms",
    "experiment_tracking",
    "serving_mode",
    "inference_runtime",
    "orchestrator",
    "deploy_target",
    "ci_provider",
)


def test_copier_yml_is_complete_for_plain_copier() -> None:
    data = yaml.safe_load(copier_yml().read_text())
    assert data["_subdirectory"] == "template"
    assert data["_envops"]["undefined"] == "jinja2.StrictUndefined"
    # Nothing that would make copier ask for --trust.
    for unsafe in ("_tasks", "_jinja_extensions", "_migrations"):
        assert unsafe not in data


def test_public_keys_in_order(questionnaire: Questionnaire) -> None:
    assert questionnaire.keys == PUBLIC_KEYS


def test_every_question_has_type_help_and_default(questionnaire: Questionnaire) -> None:
    for question in questionnaire.asked:
        assert question.type in {"str", "int", "float", "bool"}, question.key
        assert question.help and question.help[0].isupper(), question.key
        assert question.default is not None, question.key


def test_groups_cover_every_question_once(questionnaire: Questionnaire) -> None:
    grouped = [key for group in questionnaire.groups for key in group.keys]
    assert sorted(grouped) == sorted(questionnaire.keys)
    assert len(grouped) == len(set(grouped))


@pytest.mark.parametrize("preset", ["minimal", "standard", "full"])
def test_presets_resolve_to_valid_answers(questionnaire: Questionnaire, preset: str) -> None:
    answers = questionnaire.resolve(questionnaire.preset(preset).answers).answers
    assert set(answers) == set(PUBLIC_KEYS)
    if preset == "minimal":
        assert answers["serving_mode"] == "batch"
        assert answers["experiment_tracking"] == "none"


def test_defaults_resolve(questionnaire: Questionnaire) -> None:
    answers = questionnaire.resolve({}).answers
    assert answers["project_slug"] == "my-mlops-project"
    assert answers["package_name"] == "my_mlops_project"
    assert answers["metric_threshold"] == pytest.approx(0.95)


def test_reserved_names_cover_this_python(questionnaire: Questionnaire) -> None:
    context = questionnaire.resolve({}).answers
    computed = {
        q.key: questionnaire.default(q, context) for q in questionnaire.questions if q.is_computed
    }
    public_stdlib = {n for n in sys.stdlib_module_names if not n.startswith("_")}
    assert public_stdlib <= set(computed["reserved_module_names"])
    assert set(keyword.kwlist) <= set(computed["python_keywords"])


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"project_name": "bad\nname"}, "project_name"),
        ({"project_name": "   "}, "project_name"),
        ({"project_slug": "Has Caps"}, "project_slug"),
        ({"project_slug": "1abc"}, "project_slug"),
        ({"package_name": "class"}, "package_name"),
        ({"package_name": "json"}, "package_name"),
        ({"package_name": "mlflow"}, "package_name"),
        ({"package_name": "my-pkg"}, "package_name"),
        ({"author_email": "not-an-email"}, "author_email"),
        ({"license": "gpl"}, "license"),
        ({"python_version": "3.9"}, "python_version"),
        ({"problem_type": "regression", "primary_metric": "roc_auc"}, "primary_metric"),
        ({"primary_metric": "f1", "metric_threshold": 1.5}, "metric_threshold"),
        ({"problem_type": "regression", "metric_threshold": -1}, "metric_threshold"),
        ({"metric_threshold": "nan"}, "metric_threshold"),
        ({"latency_slo_ms": 0}, "latency_slo_ms"),
        ({"latency_slo_ms": "fast"}, "latency_slo_ms"),
        ({"serving_mode": "grpc"}, "serving_mode"),
        ({"nonsense": 1}, "nonsense"),
    ],
)
def test_invalid_answers_name_the_key(
    questionnaire: Questionnaire, answers: dict[str, object], key: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        questionnaire.resolve(answers)
    assert caught.value.key == key
    assert key in str(caught.value)
    assert "\n" not in str(caught.value)


def test_metric_choices_follow_problem_type(questionnaire: Questionnaire) -> None:
    question = questionnaire.question("primary_metric")
    by_problem = {
        problem: [c.value for c in questionnaire.choices(question, {"problem_type": problem})]
        for problem in ("classification", "regression")
    }
    assert by_problem == {
        "classification": ["roc_auc", "f1", "accuracy"],
        "regression": ["rmse", "mae", "r2"],
    }


def _all_choice_values(questionnaire: Questionnaire) -> dict[str, list[object]]:
    """Every value any choice question can take under any earlier answers (a superset)."""
    values: dict[str, list[object]] = {}
    # What other choices depend on: the metric on the problem, the target on the orchestrator.
    contexts = [
        {"problem_type": problem, "orchestrator": orchestrator}
        for problem in ("classification", "regression")
        for orchestrator in ("none", "prefect", "airflow", "kubeflow")
    ]
    for question in questionnaire.choice_questions():
        seen: list[object] = []
        for context in contexts:
            for choice in questionnaire.choices(question, context):
                if choice.value not in seen:
                    seen.append(choice.value)
        values[question.key] = seen
    return values


def test_matrix_is_exactly_the_valid_product(questionnaire: Questionnaire) -> None:
    """Brute force: every product of choice values is in the matrix iff copier's rules accept it."""
    values = _all_choice_values(questionnaire)
    keys = list(values)
    expected = []
    for combo in itertools.product(*values.values()):
        answers = dict(zip(keys, combo, strict=True))
        try:
            questionnaire.resolve(answers)
        except AnswerError:
            continue
        expected.append(answers)
    got = list(matrix.combinations(questionnaire))
    assert sorted(map(repr, got)) == sorted(map(repr, expected))
    # 648 answers sets before orchestrators; x4 orchestrators; x2 deploy targets except Kubeflow
    # (Kubernetes only: x7/4); x3 CI providers (github, gitlab, none: x3/2); x2 inference runtimes.
    assert len(got) == 13608


def test_covering_set_covers_every_value_and_every_interacting_pair(
    questionnaire: Questionnaire,
) -> None:
    """Both properties, checked against every valid combination derived from copier.yml."""
    every = list(matrix.combinations(questionnaire))
    cover = matrix.covering(questionnaire)
    assert all(c in every for c in cover)
    for question in questionnaire.choice_questions():
        values = {c[question.key] for c in every}
        assert values == {c[question.key] for c in cover}, question.key
    assert questionnaire.interacting == (
        ("orchestrator", "serving_mode"),
        ("orchestrator", "deploy_target"),
        ("serving_mode", "deploy_target"),
        ("inference_runtime", "serving_mode"),
    )
    for a, b in questionnaire.interacting:
        valid = {(c[a], c[b]) for c in every}
        assert valid == {(c[a], c[b]) for c in cover}, (a, b)
    # Kubeflow needs Kubernetes: its pairs with compose are not valid, so never required.
    assert ("kubeflow", "compose") not in {(c["orchestrator"], c["deploy_target"]) for c in every}
    assert len(cover) <= 14


def test_kubeflow_needs_kubernetes(questionnaire: Questionnaire) -> None:
    """The rule reaches the wizard (choices), the matrix and answers files (the validator)."""
    question = questionnaire.question("deploy_target")
    offered = {
        name: [c.value for c in questionnaire.choices(question, {"orchestrator": name})]
        for name in ("none", "prefect", "airflow", "kubeflow")
    }
    assert offered["kubeflow"] == ["kubernetes"]
    assert all(offered[o] == ["compose", "kubernetes"] for o in ("none", "prefect", "airflow"))
    pairs = {(c["orchestrator"], c["deploy_target"]) for c in matrix.combinations(questionnaire)}
    assert ("kubeflow", "compose") not in pairs
    assert ("kubeflow", "kubernetes") in pairs
    assert questionnaire.resolve({"orchestrator": "kubeflow"}).answers["deploy_target"] == (
        "kubernetes"
    )
    with pytest.raises(AnswerError, match="deploy_target must be kubernetes when orchestrator"):
        questionnaire.resolve({"orchestrator": "kubeflow", "deploy_target": "compose"})


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"problem_type": "regression", "primary_metric": "f1"}, "primary_metric"),
        ({"orchestrator": "kubeflow", "deploy_target": "compose"}, "deploy_target"),
    ],
)
def test_copier_agrees_on_a_rule(data: dict[str, str], key: str, tmp_path: Path) -> None:
    """copier itself (not only our reading of copier.yml) rejects a rule-breaking answer."""
    from copier import run_copy

    from mlops_new.render import snapshot_template

    source = snapshot_template(tmp_path / "tpl")
    with pytest.raises(ValueError, match=key):
        run_copy(str(source), str(tmp_path / "out"), data=data, defaults=True, quiet=True)
