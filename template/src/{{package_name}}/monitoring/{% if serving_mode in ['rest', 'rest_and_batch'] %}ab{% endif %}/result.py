"""What the champion/challenger analysis found, whatever the problem type."""

from dataclasses import asdict, dataclass, field
from typing import Any, Final

MIN_OUTCOMES_PER_VARIANT: Final = 30
"""Below this many outcomes per variant, the tests' approximations do not hold: refuse."""

CHAMPION: Final = "champion"
CHALLENGER: Final = "challenger"


class ABTestError(ValueError):
    """The analysis cannot run: missing data, or too few outcomes; the message says which."""


@dataclass(frozen=True)
class VariantQuality:
    """One variant's quality on the outcomes joined to its served predictions."""

    outcomes: int
    value: float
    """The metric (``ABResult.metric``) on those outcomes."""
    model_versions: list[str]
    """The model versions that answered as this variant during the period."""


@dataclass(frozen=True)
class ABResult:
    """The comparison of the challenger with the champion, and the verdict."""

    metric: str
    higher_is_better: bool
    champion: VariantQuality
    challenger: VariantQuality
    difference: float
    """Challenger minus champion, in the unit of ``metric``."""
    ci_low: float
    ci_high: float
    confidence_level: float
    test: str
    p_value: float
    alpha: float
    supporting_tests: dict[str, float] = field(default_factory=dict)
    """Other tests of the same question and their p-values, for the reader's confidence."""

    @property
    def significant(self) -> bool:
        """Whether the difference is significant at ``alpha``."""
        return self.p_value < self.alpha

    @property
    def verdict(self) -> str:
        """``challenger better``, ``challenger worse`` or ``no significant difference``."""
        if not self.significant:
            return "no significant difference"
        improved = self.difference > 0 if self.higher_is_better else self.difference < 0
        return "challenger better" if improved else "challenger worse"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, the verdict included."""
        return {**asdict(self), "significant": self.significant, "verdict": self.verdict}

    def describe(self) -> list[str]:
        """Lines for people: each variant, the difference with its interval, test and verdict."""
        lines = [
            f"{name:<10} {self.metric} {quality.value:.4f} on {quality.outcomes} outcomes "
            f"(model version {', '.join(quality.model_versions)})"
            for name, quality in ((CHAMPION, self.champion), (CHALLENGER, self.challenger))
        ]
        lines += [
            f"difference (challenger - champion): {self.difference:+.4f}, "
            f"{self.confidence_level:.0%} CI [{self.ci_low:+.4f}, {self.ci_high:+.4f}]",
            f"{self.test}: p = {self.p_value:.4g}",
            *(f"{name}: p = {p_value:.4g}" for name, p_value in self.supporting_tests.items()),
            f"verdict: {self.verdict} at alpha = {self.alpha:g}",
        ]
        return lines
