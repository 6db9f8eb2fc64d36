"""The champion/challenger analysis from files: the prediction log and an outcomes file."""

from pathlib import Path

from ...settings import Settings
from .compare import compare_variants
from .join import JoinedOutcomes, join_outcomes, read_outcomes, read_predictions
from .result import ABResult


def run_ab_test(
    settings: Settings, outcomes_path: Path, *, alpha: float
) -> tuple[ABResult, JoinedOutcomes]:
    """Join ``outcomes_path`` with the served predictions of the log and compare the variants.

    Raises ``MonitoringDataError`` for missing or malformed data and ``ABTestError`` when a
    variant has too few outcomes.
    """
    predictions = read_predictions(settings.prediction_log_dir)
    joined = join_outcomes(predictions, read_outcomes(outcomes_path))
    return compare_variants(joined, alpha=alpha), joined
