"""The promotion gate: may a newly trained model become the champion?

A candidate is promoted only when both hold:

1. its primary metric on held-out data meets ``metric_threshold`` (at least the threshold for
   metrics where higher is better, at most for errors such as RMSE), the quality bar set in the
   project's requirements;
2. it is strictly better than the current champion on the same metric, so retraining on unchanged
   data never churns the served model.

The decision carries a reason written for people: it is printed by ``train``, logged, and shown in
CI when a retraining run declines to promote.
"""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict on one candidate, with the numbers behind it."""

    promote: bool
    reason: str
    metric: str
    candidate_value: float
    threshold: float
    higher_is_better: bool
    champion_version: str | None = None
    champion_value: float | None = None


def meets_threshold(value: float, threshold: float, *, higher_is_better: bool) -> bool:
    """Whether ``value`` is on the good side of ``threshold`` (the threshold itself passes)."""
    return value >= threshold if higher_is_better else value <= threshold


def is_better(candidate: float, champion: float, *, higher_is_better: bool) -> bool:
    """Whether ``candidate`` strictly improves on ``champion``; a tie keeps the champion."""
    return candidate > champion if higher_is_better else candidate < champion


def decide_promotion(
    *,
    metric: str,
    candidate_metrics: Mapping[str, float],
    threshold: float,
    higher_is_better: bool,
    champion_version: str | None,
    champion_metrics: Mapping[str, float] | None,
) -> GateDecision:
    """Apply the gate to a candidate's metrics, against the champion's if there is one."""
    if metric not in candidate_metrics:
        raise KeyError(
            f"the candidate has no {metric!r} metric; it has {sorted(candidate_metrics)}"
        )
    value = candidate_metrics[metric]
    champion_value = None if champion_metrics is None else champion_metrics.get(metric)
    promote, reason = _verdict(
        metric=metric,
        value=value,
        threshold=threshold,
        higher_is_better=higher_is_better,
        champion_version=champion_version,
        champion_value=champion_value,
    )
    return GateDecision(
        promote=promote,
        reason=reason,
        metric=metric,
        candidate_value=value,
        threshold=threshold,
        higher_is_better=higher_is_better,
        champion_version=champion_version,
        champion_value=champion_value,
    )


def _verdict(
    *,
    metric: str,
    value: float,
    threshold: float,
    higher_is_better: bool,
    champion_version: str | None,
    champion_value: float | None,
) -> tuple[bool, str]:
    bar = f"{'at least' if higher_is_better else 'at most'} {threshold:g}"
    if not meets_threshold(value, threshold, higher_is_better=higher_is_better):
        return False, f"not promoted: {metric} {value:.4f} misses the threshold ({bar})"
    passed = f"{metric} {value:.4f} meets the threshold ({bar})"
    if champion_version is None:
        return True, f"promoted: {passed} and there is no champion yet"
    if champion_value is None:
        # The champion was scored without this metric (the primary metric was changed): the
        # threshold is then the only bar both models can be held to.
        return True, (
            f"promoted: {passed}; champion version {champion_version} has no {metric} to compare"
        )
    if not is_better(value, champion_value, higher_is_better=higher_is_better):
        return False, (
            f"not promoted: {metric} {value:.4f} does not beat champion version "
            f"{champion_version} ({champion_value:.4f}); the champion stays"
        )
    return True, (
        f"promoted: {passed} and beats champion version {champion_version} ({champion_value:.4f})"
    )
