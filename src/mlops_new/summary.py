"""Explain a set of answers: what will be generated and the architecture it implies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlops_new.questions import Questionnaire

_LOWER_IS_BETTER = {"rmse", "mae"}

# What `make pipeline` runs, per orchestrator.
_PIPELINES = {
    "none": "the steps in one process (`make pipeline`), ready for cron",
    "prefect": "a Prefect 3 flow, one task per step, retries, a scheduled deployment",
    "airflow": "an Airflow 3 TaskFlow DAG, one task per step, retries, a schedule",
    "kubeflow": "a Kubeflow Pipelines v2 pipeline of components on the training image",
}

# Where it runs, per deploy target.
_DEPLOYMENTS = {
    "compose": "Deployment: a Docker Compose stack (`make up`): {parts}, Prometheus and Grafana",
    "kubernetes": (
        "Deployment: Kubernetes, kustomize base with staging and production overlays: {parts}"
    ),
}

# What CI/CD does, per provider.
_DELIVERY = {
    "github": "GitHub Actions",
    "gitlab": "GitLab CI/CD",
}


def architecture(answers: Mapping[str, Any]) -> list[str]:
    """One line per part of the generated project, in the order of the method."""
    metric = answers["primary_metric"]
    direction = "<=" if metric in _LOWER_IS_BETTER else ">="
    dataset = "breast cancer" if answers["problem_type"] == "classification" else "diabetes"
    serving = answers["serving_mode"]
    lines = [
        f"Requirements: {answers['problem_type']} judged by {metric}; promotion gate "
        f"{metric} {direction} {answers['metric_threshold']}; p99 latency SLO "
        f"{answers['latency_slo_ms']} ms",
        f"Data: scikit-learn's {dataset} sample as Parquet, validated by a pandera schema",
        "Model: a seeded scikit-learn pipeline with metrics and plots"
        + (
            ", tracked in MLflow (embedded SQLite, or MLFLOW_TRACKING_URI), registered, "
            "`champion` alias moved only through the gate"
            if answers["experiment_tracking"] == "mlflow"
            else ", stored as versioned local model directories behind the same gate"
        ),
    ]
    if serving in {"rest", "rest_and_batch"}:
        lines.append(
            "Online serving: FastAPI on uvicorn with /predict, /health, /ready, /model and /metrics"
        )
    if serving in {"batch", "rest_and_batch"}:
        lines.append("Batch scoring: chunked Parquet to Parquet, bounded memory, atomic output")
    lines.append(
        "Pipeline: ingest, validate, features, train, evaluate, register"
        + (
            ", batch score"
            if serving in {"batch", "rest_and_batch"} and answers["orchestrator"] != "none"
            else ""
        )
        + f" as {_PIPELINES[answers['orchestrator']]}"
    )
    lines.append(
        "Packaging: docker/Dockerfile (multi-stage, uv, non-root): a serving image and a "
        "training image"
    )
    lines.append(_deployment(answers))
    if answers["ci_provider"] in _DELIVERY:
        lines.append(
            f"CI/CD: {_DELIVERY[answers['ci_provider']]} running lint, types, tests and both "
            "image builds; CD to staging"
            + (", a canary" if serving in {"rest", "rest_and_batch"} else "")
            + ", approved production; scheduled retraining"
        )
    lines.append("Docs: the eight methodology documents, a model card and a runbook")
    return lines


def _deployment(answers: Mapping[str, Any]) -> str:
    target = answers["deploy_target"]
    parts = []
    if answers["serving_mode"] in {"rest", "rest_and_batch"}:
        parts.append("the API" + (" with a canary Deployment" if target == "kubernetes" else ""))
    if answers["serving_mode"] in {"batch", "rest_and_batch"}:
        parts.append("batch scoring" + (" as a CronJob" if target == "kubernetes" else ""))
    if answers["experiment_tracking"] == "mlflow":
        parts.append("an MLflow tracking server")
    orchestrator = answers["orchestrator"]
    if orchestrator == "none":
        parts.append("scheduled training" if target == "kubernetes" else "a training run")
    elif target == "compose":
        parts.append(f"the {orchestrator.capitalize()} services")
    else:
        parts.append(f"training on {orchestrator.capitalize()}")
    return _DEPLOYMENTS[target].format(parts=", ".join(parts))


def answers_table(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    """`key: value` lines grouped like the wizard."""
    lines: list[str] = []
    for group in questionnaire.groups:
        present = [k for k in group.keys if k in answers]
        if not present:
            continue
        lines.append(group.title)
        lines += [f"  {key:<20} {answers[key]}" for key in present]
    return lines


def render_summary(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> str:
    """The text shown before anything is written."""
    parts = ["Your answers:", *answers_table(questionnaire, answers), "", "What will be generated:"]
    parts += [f"  - {line}" for line in architecture(answers)]
    return "\n".join(parts)
