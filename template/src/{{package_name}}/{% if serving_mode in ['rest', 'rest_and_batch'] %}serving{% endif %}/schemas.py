"""Request and response models of the REST API, derived from the task's feature list.

The request row is generated from the task (``FEATURES``, ``VALUE_RANGES``, ``ALLOWED_VALUES``)
rather than written by hand, so the API, the training data and the batch scorer can never disagree
about which features exist and which values are plausible. Every feature is a finite JSON number
inside its range: strings, booleans, NaN, infinities and implausible values are rejected with a
422 that names the field, because a silently coerced value would give a meaningless prediction.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    conlist,
    create_model,
)

from ..tasks import ALLOWED_VALUES, FEATURES, VALUE_RANGES

FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A JSON number that is neither NaN nor infinite. Strict: ``"1.5"`` and ``true`` are refused."""


def build_row_model(
    features: Sequence[str],
    ranges: Mapping[str, tuple[float, float]],
    allowed: Mapping[str, tuple[float, ...]],
) -> type[BaseModel]:
    """Return a pydantic model with one required finite float field per feature, extras forbidden.

    Each feature is bounded by its plausible range (``ranges``) and, for coded features, limited
    to its ``allowed`` values: the same rules as the data schema of training and batch scoring.
    Fields keep the order of ``features``, which is the column order the model was trained on.
    """
    fields: dict[str, Any] = {}
    for name in features:
        low, high = ranges.get(name, (None, None))
        annotation: Any = FiniteFloat
        extra: dict[str, Any] | None = None
        if name in allowed:
            annotation = Annotated[FiniteFloat, AfterValidator(_one_of(allowed[name]))]
            extra = {"enum": list(allowed[name])}
        fields[name] = (
            annotation,
            Field(ge=low, le=high, description=f"Feature {name!r}.", json_schema_extra=extra),
        )
    return create_model(
        "FeatureRow",
        __config__=ConfigDict(extra="forbid", frozen=True),
        __doc__="One row of features to score.",
        **fields,
    )


def _one_of(values: tuple[float, ...]) -> Callable[[float], float]:
    """Return a validator that accepts only ``values``."""
    accepted = frozenset(values)
    shown = ", ".join(f"{value:g}" for value in values)

    def check(value: float) -> float:
        if value not in accepted:
            raise ValueError(f"must be one of {shown}")
        return value

    return check


FeatureRow: type[BaseModel] = build_row_model(FEATURES, VALUE_RANGES, ALLOWED_VALUES)
"""The request row of this project: every feature of the task, nothing else."""


class PredictResponse(BaseModel):
    """Predictions, one object per request row and in request order, and the model that made them.

    Each prediction holds the task's output columns: always ``prediction``; for classification
    also ``probability``, the probability of the positive class.
    """

    model_version: str = Field(description="Registry version of the model that predicted.")
    predictions: list[dict[str, float]] = Field(description="One entry per request row.")


class ModelInfo(BaseModel):
    """What ``GET /model`` reports about the model being served."""

    name: str
    version: str
    features: list[str]
    metrics: dict[str, float]
    trained_at: str | None = None
    runtime: str = Field(description="What runs the model: sklearn or onnx.")


_LIST_START = re.compile(rb"[ \t\r\n]*\[")
"""A JSON array: optional JSON whitespace, then ``[`` (matched in place, the body is not copied)."""


class RowParser:
    """Validate a raw JSON body into rows: one object, or a non-empty list of at most ``max_rows``.

    Parsing and validation happen in one pass in pydantic-core (Rust) straight from the request
    bytes, without building an intermediate ``dict`` with the standard ``json`` module first. The
    first non-blank byte selects the shape, so error locations stay simple (``[0, "field"]``)
    instead of listing the failures of both alternatives of a union.
    """

    def __init__(self, row_model: type[BaseModel], max_rows: int) -> None:
        """Build the two validators once; ``max_rows`` caps the rows of a list body."""
        self._row_model = row_model
        self._max_rows = max_rows
        self._one: TypeAdapter[BaseModel] = TypeAdapter(row_model)
        self._many: TypeAdapter[list[BaseModel]] = TypeAdapter(
            conlist(row_model, min_length=1, max_length=max_rows)
        )

    def parse(self, body: bytes) -> list[BaseModel]:
        """Return the validated rows of ``body``; raise ``pydantic.ValidationError`` otherwise."""
        if _LIST_START.match(body):
            return self._many.validate_json(body)
        return [self._one.validate_json(body)]

    def request_schema(self) -> dict[str, Any]:
        """Return the OpenAPI schema of the request body: a row, or a list of rows.

        The row schema is flat (no ``$ref``), so it can be inlined into the OpenAPI document as is.
        """
        row = self._row_model.model_json_schema()
        rows = {"type": "array", "items": row, "minItems": 1, "maxItems": self._max_rows}
        return {"anyOf": [row, rows]}


__all__ = [
    "FeatureRow",
    "FiniteFloat",
    "ModelInfo",
    "PredictResponse",
    "RowParser",
    "build_row_model",
]
