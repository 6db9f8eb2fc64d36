"""Step 7, continuous improvement: ask the project's orchestrator for a retraining run.

Monitoring decides *when* to retrain (the data drifted beyond its threshold); the orchestrator
decides *how*: it runs the same training pipeline as the weekly schedule, which ends in the same
promotion gate. A model trained because of drift therefore becomes the champion only if it passes
the quality gate and beats the current champion, exactly like a scheduled one.

``pipelines/trigger.py`` is the adapter of the orchestrator this project was generated with; it
is imported when a run is requested, so a drift check that finds nothing never imports the
orchestrator's client.
"""

import logging

from ..settings import Settings

logger = logging.getLogger(__name__)


class RetrainingTriggerError(RuntimeError):
    """The orchestrator could not be asked for a run; the message says why and what to check."""


def trigger_retraining(settings: Settings, *, reason: str) -> str:
    """Request one run of the training pipeline because of ``reason``; describe the run.

    Raises ``RetrainingTriggerError`` when the orchestrator cannot be reached or refuses.
    """
    from ..pipelines.trigger import trigger_training

    logger.warning("requesting a retraining run: %s", reason)
    description = trigger_training(settings, reason=reason)
    logger.warning("retraining requested: %s", description)
    return description
