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
}

PACKAGE = {
    "__init__.py",
    "__main__.py",
    "cli.py",
    "config.py",
    "inference.py",
    "pipeline.py",
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
}
BATCH_TESTS = {"tests/batch/test_score.py"}

GITHUB = {".github/dependabot.yml", ".github/workflows/ci.yml"}


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
    files |= {f"src/{answers['package_name']}/{name}" for name in package}
    return files
