"""Pair delayed outcomes with the predictions the service logged for the same rows.

The prediction log holds one row per predicted input row (``request_id``, ``row``); an outcomes
file names the same keys (``row`` defaults to 0, the first row of a request). Only served
predictions count: a shadow prediction never reached the client.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from ..tables import MonitoringDataError, read_frame, read_table
from .result import MIN_OUTCOMES_PER_VARIANT, ABTestError

KEY: Final = ["request_id", "row"]
LOG_COLUMNS: Final = [*KEY, "timestamp", "variant", "model_version", "prediction"]


@dataclass(frozen=True)
class JoinedOutcomes:
    """Served predictions with their outcomes, and what could not be joined."""

    rows: pd.DataFrame
    """One row per outcome: ``variant``, ``model_version``, ``prediction``, ``outcome``."""
    outcomes: int
    """Outcomes in the file."""
    unmatched: int
    """Outcomes without a logged prediction (not sampled, deleted by retention, or unknown)."""


def read_predictions(log_dir: Path) -> pd.DataFrame:
    """The served predictions in the log, one per key (the latest when a request id repeats).

    A client may resend a request with the same ``X-Request-ID``: the outcome then belongs to
    the answer it received last.
    """
    try:
        logged = read_table(log_dir, LOG_COLUMNS)
    except MonitoringDataError:
        if not log_dir.exists():
            raise MonitoringDataError(
                f"no prediction log at {log_dir}: the service writes it while it serves "
                "(prediction_log_sample_rate above 0)"
            ) from None
        raise
    logged = logged.sort_values("timestamp", kind="stable")
    return logged.drop_duplicates(subset=KEY, keep="last").drop(columns="timestamp")


def read_outcomes(path: Path) -> pd.DataFrame:
    """The outcomes file (CSV or Parquet): ``request_id``, ``outcome`` and optionally ``row``."""
    return checked_outcomes(read_frame(path), source=str(path))


def checked_outcomes(outcomes: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """``request_id`` (text), ``row`` (default 0) and a numeric ``outcome``, one per key."""
    missing = [name for name in ("request_id", "outcome") if name not in outcomes.columns]
    if missing:
        raise MonitoringDataError(
            f"{source} has no column {', '.join(map(repr, missing))}: "
            "outcomes need request_id, outcome and optionally row"
        )
    try:
        outcomes = outcomes.assign(
            request_id=outcomes["request_id"].astype(str),
            row=outcomes["row"].astype("int64") if "row" in outcomes.columns else 0,
            outcome=pd.to_numeric(outcomes["outcome"]),
        )
    except (ValueError, TypeError) as error:
        raise MonitoringDataError(f"{source}: row and outcome must be numbers ({error})") from None
    duplicates = int(outcomes.duplicated(subset=KEY).sum())
    if duplicates:
        raise MonitoringDataError(
            f"{source} has {duplicates} duplicate (request_id, row) pairs: one outcome per row"
        )
    return outcomes.loc[:, [*KEY, "outcome"]]


def join_outcomes(predictions: pd.DataFrame, outcomes: pd.DataFrame) -> JoinedOutcomes:
    """Inner-join outcomes (``checked_outcomes``) with served predictions on the key."""
    predictions = predictions.assign(
        request_id=predictions["request_id"].astype(str),
        row=predictions["row"].astype("int64"),
    )
    joined = outcomes.merge(predictions, on=KEY, how="inner", validate="one_to_one")
    return JoinedOutcomes(
        rows=joined.loc[:, ["variant", "model_version", "prediction", "outcome"]],
        outcomes=len(outcomes),
        unmatched=len(outcomes) - len(joined),
    )


def variant_rows(joined: JoinedOutcomes, variant: str) -> pd.DataFrame:
    """The joined rows a variant answered; ``ABTestError`` below the minimum count."""
    rows = joined.rows.loc[joined.rows["variant"] == variant]
    if len(rows) < MIN_OUTCOMES_PER_VARIANT:
        raise ABTestError(
            f"too few outcomes for the {variant}: {len(rows)} joined to its served predictions "
            f"({joined.outcomes} outcomes, {joined.unmatched} without a logged prediction); "
            f"the test needs at least {MIN_OUTCOMES_PER_VARIANT} per variant"
        )
    return rows


def model_versions(rows: pd.DataFrame) -> list[str]:
    """The model versions that produced ``rows``, in version order."""
    return sorted({str(version) for version in rows["model_version"]}, key=_version_key)


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)
