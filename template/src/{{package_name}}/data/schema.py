"""The schema every table must satisfy before it reaches a model.

The schema is built from the task's column lists, so it always matches the model: every feature is
a ``float64`` without missing values inside its plausible range, coded columns take only their
allowed values, and training data also carries a valid target. A table that breaks a rule stops
the pipeline with one ``DataValidationError`` that names each failing column and check.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ..tasks import ALLOWED_VALUES, FEATURES, TARGET, TARGET_DTYPE, VALUE_RANGES

_MAX_EXAMPLES = 3
_TYPE_CHECKS = ("coerce_dtype", "dtype")


@dataclass(frozen=True)
class ColumnFailure:
    """One broken rule: which column, which check, how many rows and a few offending values."""

    column: str
    check: str
    rows: int
    examples: tuple[str, ...]

    def describe(self) -> str:
        """Say what is wrong in one short sentence."""
        if self.check == "column_in_dataframe":
            return f"column {self.column!r} is missing"
        if self.check == "column_in_schema":
            return f"column {self.column!r} is not expected"
        if self.check == "not_nullable":
            return f"column {self.column!r} has missing values in {self.rows} row(s)"
        shown = ", ".join(self.examples)
        return f"column {self.column!r} failed {self.check} in {self.rows} row(s), e.g. {shown}"


class DataValidationError(ValueError):
    """A table broke the schema; ``failures`` lists every broken rule."""

    def __init__(self, failures: Sequence[ColumnFailure]) -> None:
        self.failures = tuple(failures)
        details = "; ".join(failure.describe() for failure in self.failures)
        super().__init__(f"data validation failed: {details}")


def _column(name: str, dtype: str) -> pa.Column:
    checks: list[pa.Check] = []
    if name in VALUE_RANGES:
        low, high = VALUE_RANGES[name]
        checks.append(pa.Check.in_range(low, high))
    if name in ALLOWED_VALUES:
        checks.append(pa.Check.isin(list(ALLOWED_VALUES[name])))
    # coerce=True accepts integers where floats are expected (an age of 50 is fine) while text
    # still fails, with the column named.
    return pa.Column(dtype, checks=checks, nullable=False, coerce=True)


def feature_schema(*, allow_extra_columns: bool = False) -> pa.DataFrameSchema:
    """Schema of model inputs: every feature, nothing else unless ``allow_extra_columns``.

    Batch files often carry identifiers beside the features; they pass with
    ``allow_extra_columns=True`` and are left untouched.
    """
    columns = {name: _column(name, "float64") for name in FEATURES}
    return pa.DataFrameSchema(columns, strict=not allow_extra_columns, name="features")


def training_schema() -> pa.DataFrameSchema:
    """Schema of training data: the features and the target, and no other column."""
    columns = {name: _column(name, "float64") for name in FEATURES}
    columns[TARGET] = _column(TARGET, TARGET_DTYPE)
    return pa.DataFrameSchema(columns, strict=True, name="training data")


def validate_features(frame: pd.DataFrame, *, allow_extra_columns: bool = False) -> pd.DataFrame:
    """Return ``frame`` with features coerced to ``float64``; raise ``DataValidationError``."""
    return validate(frame, feature_schema(allow_extra_columns=allow_extra_columns))


def validate_training_data(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` validated against ``training_schema``; raise ``DataValidationError``."""
    return validate(frame, training_schema())


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Validate ``frame`` against ``schema``, collecting every failure before raising."""
    try:
        validated: pd.DataFrame = schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        raise DataValidationError(_summarise(errors.failure_cases)) from None
    return validated


def _summarise(cases: pd.DataFrame) -> list[ColumnFailure]:
    """Group pandera's one-row-per-failing-value table into one failure per column and check."""
    grouped: dict[tuple[str, str], list[Any]] = {}
    for record in cases.to_dict("records"):
        # Schema-level failures (a missing or unexpected column) carry the column's name as the
        # failing value; column-level ones name the column.
        schema_level = record.get("schema_context") == "DataFrameSchema"
        name = str(record["failure_case"] if schema_level else record.get("column"))
        grouped.setdefault((name, str(record["check"])), []).append(record["failure_case"])
    # A column of the wrong type also fails its value checks and reports the type twice (could
    # not convert, then wrong type): only the first type failure says something useful.
    wrong_type = {name for name, check in grouped if check.startswith(_TYPE_CHECKS)}
    not_converted = {name for name, check in grouped if check.startswith("coerce_dtype")}
    failures = []
    for (name, check), values in grouped.items():
        if name in wrong_type and not check.startswith(_TYPE_CHECKS):
            continue
        if name in not_converted and check.startswith("dtype"):
            continue
        examples = tuple(repr(value) for value in values[:_MAX_EXAMPLES])
        failures.append(ColumnFailure(name, check, len(values), examples))
    return failures
