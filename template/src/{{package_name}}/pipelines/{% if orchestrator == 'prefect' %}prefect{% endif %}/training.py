"""The training pipeline as a Prefect 3 flow: one task per step of ``pipelines.steps``.

Each task is a step of ``steps`` as it is, named after it (``steps.STEP_NAMES``), so the flow
trains exactly the model that ``make train`` trains and hands files from task to task under
``runs/<run id>/``. Only the steps that talk to the outside world retry: ``ingest`` reads the
source data and ``register_and_promote`` writes to the model registry (a tracking server when
``MLFLOW_TRACKING_URI`` points at one). Both are safe to repeat: every step writes its output
atomically, and a retried registration at worst adds a version, which the gate judges like any
other. The other steps are deterministic: a retry would fail the same way, so they fail at once.

A failed step fails the flow run with the step's name in the message, for example
``StepFailedError: step 'validate' failed: DataValidationError: ...``.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prefect import Task, flow, task
from prefect.tasks import exponential_backoff

from .. import steps

TRANSIENT_RETRIES = 3
"""How many times a step that can fail transiently is retried before the flow run fails."""

TRANSIENT_RETRY_DELAYS: Callable[[int], list[float]] = exponential_backoff(backoff_factor=10)
"""Seconds before each retry: 10, 20, then 40 on average."""

RETRY_JITTER_FACTOR = 0.5
"""Each wait is drawn at random around its average, up to half again as long: retries of many runs
that failed together (a tracking server that restarted) do not all arrive at once."""

# The steps log what they do (rows validated, the held-out metric...) at INFO. Prefect copies the
# loggers named in PREFECT_LOGGING_EXTRA_LOGGERS (the Makefile names this package) to the flow
# run's logs, at the level each logger lets through: INFO, unless configured otherwise.
_package_logger = logging.getLogger(__name__.split(".", 1)[0])
if _package_logger.level == logging.NOTSET:
    _package_logger.setLevel(logging.INFO)


retrying_task = task(
    retries=TRANSIENT_RETRIES,
    retry_delay_seconds=TRANSIENT_RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER_FACTOR,
)
"""Make a step a task (named after the step) that retries transient failures with backoff.

For the steps that talk to the outside world: one retry policy for all of them.
"""

ingest = retrying_task(steps.ingest)
validate = task(name="validate")(steps.validate)
build_features = task(name="build_features")(steps.build_features)
train = task(name="train")(steps.train)
evaluate = task(name="evaluate")(steps.evaluate)
register_and_promote = retrying_task(steps.register_and_promote)

TASKS: tuple[Task[Any, Any], ...] = (
    ingest,
    validate,
    build_features,
    train,
    evaluate,
    register_and_promote,
)
"""The tasks in the order the flow runs them: one per name of ``steps.STEP_NAMES``."""


@contextmanager
def named_failure(step: Task[Any, Any]) -> Iterator[None]:
    """Name ``step`` in the error that escapes the block, and so in the flow run's message.

    The same ``StepFailedError`` as ``steps.run_all`` raises: one message format for every route.
    """
    try:
        yield
    except Exception as error:
        raise steps.StepFailedError(step.name, error) from error


@flow(name="training-pipeline", log_prints=True)
def training_pipeline(run_dir: str | None = None) -> steps.RegistrationSummary:
    """Ingest, validate, build features, train, evaluate, then register and promote.

    ``run_dir`` is where the steps hand files to one another: a new directory under
    ``runs/`` by default. Returns the registration summary; the model becomes the champion only
    if it passes the quality gate and beats the current champion.
    """
    run_dir = run_dir or steps.new_run_dir()
    with named_failure(ingest):
        raw = ingest(run_dir)
    with named_failure(validate):
        validated = validate(raw)
    with named_failure(build_features):
        features = build_features(validated)
    with named_failure(train):
        model = train(features)
    with named_failure(evaluate):
        evaluation = evaluate(model, features)
    with named_failure(register_and_promote):
        summary = register_and_promote(model, evaluation, raw, validated)
    print(steps.describe(summary))
    return summary
