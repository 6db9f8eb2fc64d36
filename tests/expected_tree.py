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
    "docs/security.md",
    "tests/conftest.py",
    "tests/test_cli.py",
    "tests/test_columns.py",
    "tests/test_config.py",
    "tests/test_features.py",
    "tests/test_gate.py",
    "tests/test_inference.py",
    "tests/test_ingest.py",
    "tests/test_pipeline.py",
    "tests/test_quality_gate.py",
    "tests/test_registry.py",
    "tests/test_reproducibility.py",
    # Each inference_runtime has its own runtime module and tests, under the same names.
    "tests/test_runtime.py",
    "tests/test_schema.py",
    "tests/test_serving_image.py",
    "tests/test_settings.py",
    "tests/pipelines/test_steps.py",
    "tests/pipelines/test_trigger.py",
    "tests/pushgateway_support.py",
    "tests/monitoring/test_drift.py",
    "tests/monitoring/test_performance.py",
    "tests/monitoring/test_tables.py",
    "make/audit.mk",
    "make/drift.mk",
    "make/monitoring-check.mk",
    "make/performance.mk",
    "monitoring/README.md",
    "monitoring/prometheus/drift-alerts.yml",
    "monitoring/prometheus/drift-alerts.test.yml",
    "monitoring/prometheus/performance-alerts.yml",
    "monitoring/prometheus/performance-alerts.test.yml",
    "monitoring/grafana/dashboards/stack-health.json",
    "monitoring/grafana/dashboards/model-quality.json",
}

PACKAGE = {
    "__init__.py",
    "__main__.py",
    "cli.py",
    "columns.py",
    "config.py",
    "console.py",
    "inference.py",
    "runtime.py",
    "pipeline.py",
    "pipelines/__init__.py",
    "pipelines/steps.py",
    "pipelines/trigger.py",
    "monitoring/__init__.py",
    "monitoring/cli.py",
    "monitoring/drift.py",
    "monitoring/outputs.py",
    "monitoring/performance.py",
    "monitoring/push.py",
    "monitoring/retraining.py",
    "monitoring/tables.py",
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
    "serving/auth.py",
    "serving/bench.py",
    "serving/challenger_cli.py",
    "serving/cli.py",
    "serving/collectors.py",
    "serving/distribution.py",
    "serving/limits.py",
    "serving/loadtest.py",
    "serving/metrics.py",
    "serving/request_id.py",
    "serving/routing.py",
    "serving/schemas.py",
    "serving/shadow.py",
    "serving/slots.py",
    "monitoring/prediction_log.py",
    "monitoring/ab/__init__.py",
    "monitoring/ab/analysis.py",
    "monitoring/ab/cli.py",
    "monitoring/ab/compare.py",
    "monitoring/ab/join.py",
    "monitoring/ab/result.py",
}
REST_TESTS = {
    "tests/serving/serving_support.py",
    "tests/serving/test_app.py",
    "tests/serving/test_auth.py",
    "tests/serving/test_bench.py",
    "tests/serving/test_challenger.py",
    "tests/serving/test_distribution.py",
    "tests/serving/test_metrics.py",
    "tests/serving/test_performance_from_log.py",
    "tests/serving/test_prediction_log.py",
    "tests/serving/test_routing.py",
    "tests/serving/test_schemas.py",
    "tests/serving/test_server.py",
    "tests/serving/test_shadow.py",
    "tests/monitoring/ab_support.py",
    "tests/monitoring/test_ab_compare.py",
    "tests/monitoring/test_ab_join.py",
    "monitoring/prometheus/service-alerts.yml",
    "monitoring/prometheus/service-alerts.test.yml",
    "monitoring/grafana/dashboards/model-service.json",
}

BATCH = {
    "batch/__init__.py",
    "batch/cli.py",
    "batch/sample.py",
    "batch/score.py",
    "batch/metrics.py",
    "batch/step.py",
    "batch/checkpoint.py",
}
BATCH_TESTS = {
    "tests/batch/test_score.py",
    "tests/batch/test_batch_metrics.py",
    "tests/batch/test_resume.py",
    "monitoring/prometheus/batch-alerts.yml",
    "monitoring/prometheus/batch-alerts.test.yml",
    "monitoring/grafana/dashboards/batch-scoring.json",
}

GITHUB = {
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/cd.yml",
    ".github/workflows/retrain.yml",
}


COMPOSE = {
    "make/compose.mk",
    "deploy/compose/compose.yaml",
    "deploy/compose/.env.example",
    "deploy/compose/README.md",
    "deploy/compose/prometheus/Dockerfile",
    "deploy/compose/prometheus/Dockerfile.dockerignore",
    "deploy/compose/prometheus/prometheus.yml",
    "deploy/compose/grafana/Dockerfile",
    "deploy/compose/grafana/Dockerfile.dockerignore",
    "deploy/compose/grafana/provisioning/datasources/prometheus.yml",
    "deploy/compose/grafana/provisioning/dashboards/dashboards.yml",
}


def compose_files(answers: Mapping[str, Any]) -> set[str]:
    """Files of deploy_target=compose: the local production stack (dashboards: monitoring/)."""
    return set(COMPOSE)


K8S = "deploy/k8s"
KUBERNETES = {
    "make/kubernetes.mk",
    "tests/deploy/test_manifests.py",
    "tests/deploy/test_monitoring_manifests.py",
    "monitoring/kustomization.yaml",
    f"{K8S}/README.md",
    f"{K8S}/render.sh",
    f"{K8S}/prometheus-operator.sh",
    *(
        f"{K8S}/base/{name}"
        for name in (
            "kustomization.yaml",
            "config.env",
            "serviceaccount.yaml",
            "networkpolicy.yaml",
            "models-pvc.yaml",
            "training-cronjob.yaml",
            "drift-cronjob.yaml",
            "drift-reports-pvc.yaml",
            "pushgateway-deployment.yaml",
            "pushgateway-service.yaml",
            "pushgateway-pvc.yaml",
        )
    ),
    *(
        f"{K8S}/overlays/{env}/{name}"
        for env in ("staging", "production")
        for name in ("kustomization.yaml", "namespace.yaml")
    ),
}
KUBERNETES_REST = {
    f"{K8S}/canary.sh",
    "tests/deploy/test_api_manifests.py",
    "tests/deploy/test_canary.py",
    *(
        f"{K8S}/base/{name}"
        for name in (
            "api-deployments.yaml",
            "api-service.yaml",
            "api-hpa.yaml",
            "api-pdb.yaml",
            "predictions-pvc.yaml",
        )
    ),
    *(
        f"{K8S}/overlays/{env}/{name}"
        for env in ("staging", "production")
        for name in ("api-resources.yaml", "api-hpa.yaml")
    ),
}
KUBERNETES_BATCH = {
    f"{K8S}/base/batch-data-pvc.yaml",
    f"{K8S}/base/batch-cronjob.yaml",
    f"{K8S}/overlays/staging/batch-cronjob.yaml",
    f"{K8S}/overlays/production/batch-cronjob.yaml",
}
KUBERNETES_MLFLOW = {
    f"{K8S}/base/mlflow-pvc.yaml",
    f"{K8S}/base/mlflow-deployment.yaml",
    f"{K8S}/base/mlflow-service.yaml",
}


def kubernetes_files(answers: Mapping[str, Any]) -> set[str]:
    """Files of deploy_target=kubernetes: kustomize base, overlays, canary."""
    files = set(KUBERNETES)
    if answers["serving_mode"] in {"rest", "rest_and_batch"}:
        files |= KUBERNETES_REST
    if answers["serving_mode"] in {"batch", "rest_and_batch"}:
        files |= KUBERNETES_BATCH
    if answers["orchestrator"] == "prefect":
        files.add(f"{K8S}/base/pipeline-deployment.yaml")
    if answers["experiment_tracking"] == "mlflow":
        files |= KUBERNETES_MLFLOW
    return files


GITLAB = {".gitlab-ci.yml", ".gitlab/ci/deploy.yml"}


def ci_files(answers: Mapping[str, Any]) -> set[str]:
    """Files of ci_provider (github, gitlab, none): CI, CD and scheduled retraining."""
    return {"github": GITHUB, "gitlab": GITLAB, "none": set()}[answers["ci_provider"]]


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
    files |= ci_files(answers)
    deploy = {"compose": compose_files, "kubernetes": kubernetes_files}[answers["deploy_target"]]
    files |= deploy(answers)
    orchestrator = set(ORCHESTRATOR[answers["orchestrator"]])
    if answers["serving_mode"] in {"batch", "rest_and_batch"}:
        orchestrator |= ORCHESTRATOR_BATCH[answers["orchestrator"]]
    name = answers["package_name"]
    files |= {path.format(src=f"src/{name}", package=name) for path in orchestrator}
    files |= {f"src/{answers['package_name']}/{name}" for name in package}
    return files
