"""Typed loader of the training configuration (``configs/train.yaml``).

Hyper-parameters and split settings live in a small YAML file so that an experiment is a reviewed
diff, not a code change. The file is validated before anything trains: an unknown key or a bad
value stops with a ``ConfigError`` that names the file and the key.
"""

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .tasks import ModelParams


class ConfigError(ValueError):
    """The training configuration is missing, is not YAML, or breaks a rule."""


class SplitConfig(BaseModel):
    """How rows are divided between training and the held-out evaluation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    test_size: float = Field(
        default=0.2, gt=0, lt=1, description="Share of rows held out for evaluation."
    )


class EvaluationConfig(BaseModel):
    """How the trained model is evaluated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    permutation_repeats: int = Field(
        default=10, ge=1, le=100, description="Shuffles per feature for permutation importance."
    )
    top_features: int = Field(
        default=15, ge=1, description="Features shown in the importance plot."
    )


class TrainConfig(BaseModel):
    """The whole training configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    split: SplitConfig = SplitConfig()
    model: ModelParams = ModelParams()
    evaluation: EvaluationConfig = EvaluationConfig()


def load_train_config(path: Path) -> TrainConfig:
    """Read and validate the training configuration at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: training configuration not found (APP_TRAIN_CONFIG names another file)"
        ) from None
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    return parse_train_config(raw if raw is not None else {}, source=str(path))


def parse_train_config(raw: Any, *, source: str = "training configuration") -> TrainConfig:
    """Validate an already parsed configuration; ``source`` names it in error messages."""
    try:
        return TrainConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '<top level>'}: "
            f"{issue['msg']} (got {issue['input']!r})"
            for issue in error.errors()
        )
        raise ConfigError(f"{source}: invalid configuration: {problems}") from None
