"""The exact file tree a set of answers must produce, written out by hand as the specification.

Deliberately not derived from template/: a file that appears or disappears by accident (an
option leaking into another, an empty module left behind) fails the render-matrix test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ALWAYS = {
    ".copier-answers.yml",
    ".dockerignore",
    ".env.example",
    ".gitattributes",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".python-version",
    "LICENSE",
    "Makefile",
    "README.md",
    "pyproject.toml",
    "configs/train.yaml",
    "docker/Dockerfile",
    "docs/01-requirements.md",
    "docs/02-data-pipeline.md",
    "docs/03-model-development.md",
    "docs/04-production-architecture.md",
    "docs/05-deployment-strategy.md",
    "docs/06-monitoring.md",
    "docs/07-continuous-improvement.md",
    "docs/08-documentation.md",
    "docs/model-card.md",
    "docs/runbook.md",
    "tests/conftest.py",
    "tests/test_cli.py",
    "tests/test_config.py",
    "tests/test_features.py",
    "tests/test_gate.py",
    "tests/test_inference.py",
    "tests/test_ingest.py",
    "tests/test_pipeline.py",
    "tests/test_quality_gate.py",
    "tests/test_registry.py",
    "tests/test_reproducibility.py",
    "tests/test_schema.py",
    "tests/test_settings.py",
    "tests/pipelines/test_steps.py",
}

PACKAGE = {
    "__init__.py",
    "__main__.py",
    "cli.py",
    "config.py",
    "inference.py",
    "pipeline.py",
    "pipelines/__init__.py",
    "pipelines/steps.py",
    "settings.py",
    "data/__init__.py",
    "data/ingest.py",
    "data/schema.py",
    "features/__init__.py",
    "features/build.py",
    "registry/__init__.py",
    "registry/base.py",
    "registry/local.py",
    "registry/provenance.py",
    "tasks/__init__.py",
    "training/__init__.py",
    "training/evaluate.py",
    "training/gate.py",
    "training/train.py",
}

REST = {
    "serving/__init__.py",
    "serving/app.py",
    "serving/cli.py",
    "serving/limits.py",
    "serving/metrics.py",
    "serving/schemas.py",
}
REST_TESTS = {
    "tests/serving/test_app.py",
    "tests/serving/test_schemas.py",
    "tests/serving/test_server.py",
}

BATCH = {
    "batch/__init__.py",
    "batch/cli.py",
    "batch/sample.py",
    "batch/score.py",
    "batch/step.py",
}
BATCH_TESTS = {"tests/batch/test_score.py"}

GITHUB = {".github/dependabot.yml", ".github/workflows/ci.yml"}

# Files of each orchestrator, and those it adds when batch scoring is served too. `{src}` is the
# package directory, `{package}` the package name.
ORCHESTRATOR = {
    "none": {"make/pipeline.mk", "docs/pipeline.md"},
    "prefect": {
        "make/pipeline.mk",
        "docs/pipeline.md",
        "prefect.yaml",
        "{src}/pipelines/prefect/__init__.py",
        "{src}/pipelines/prefect/__main__.py",
        "{src}/pipelines/prefect/deployment.py",
        "{src}/pipelines/prefect/training.py",
        "tests/pipelines/test_prefect_flow.py",
    },
    "airflow": {
        "make/pipeline.mk",
        "docs/pipeline.md",
        "dags/{package}_training.py",
        "tests/pipelines/airflow_support.py",
        "tests/pipelines/test_airflow_dags.py",
    },
    "kubeflow": {
        "make/pipeline.mk",
        "docs/pipeline.md",
        "{src}/pipelines/kubeflow/__init__.py",
        "{src}/pipelines/kubeflow/__main__.py",
        "{src}/pipelines/kubeflow/components.py",
        "{src}/pipelines/kubeflow/handover.py",
        "{src}/pipelines/kubeflow/training.py",
        "tests/pipelines/test_kubeflow.py",
    },
}
ORCHESTRATOR_BATCH: dict[str, set[str]] = {
    "none": set(),
    "prefect": {"{src}/pipelines/prefect/scoring.py", "tests/pipelines/test_prefect_scoring.py"},
    "airflow": {
        "make/airflow-batch.mk",
        "dags/{package}_batch_scoring.py",
        "tests/pipelines/test_airflow_batch_scoring.py",
    },
    "kubeflow": {"{src}/pipelines/kubeflow/scoring.py"},
}


def expected_tree(answers: Mapping[str, Any]) -> set[str]:
    """Every file (POSIX path) the answers must produce, and no other."""
    package = set(PACKAGE)
    files = set(ALWAYS)
    package.add(f"tasks/{answers['problem_type']}.py")
    if answers["experiment_tracking"] == "mlflow":
        package.add("registry/mlflow_store.py")
    if answers["serving_mode"] in {"rest", "rest_and_batch"}:
        package |= REST
        files |= REST_TESTS | {"make/serve.mk"}
    if answers["serving_mode"] in {"batch", "rest_and_batch"}:
        package |= BATCH
        files |= BATCH_TESTS | {"make/batch.mk"}
    if answers["ci_provider"] == "github":
        files |= GITHUB
    orchestrator = set(ORCHESTRATOR[answers["orchestrator"]])
    if answers["serving_mode"] in {"batch", "rest_and_batch"}:
        orchestrator |= ORCHESTRATOR_BATCH[answers["orchestrator"]]
    name = answers["package_name"]
    files |= {path.format(src=f"src/{name}", package=name) for path in orchestrator}
    files |= {f"src/{answers['package_name']}/{name}" for name in package}
    return files
