"""The REST service: FastAPI in front of the champion model.

Endpoints:

- ``POST /predict``: one row (a JSON object) or a list of rows; returns one prediction per row and
  the model version. 422 names every invalid field, 413 refuses a body above
  ``settings.max_request_bytes``, 503 while no model is loaded.
- ``GET /health``: liveness, always 200 while the process serves requests.
- ``GET /ready``: readiness, 503 until a model is loaded, then 200 with its version.
- ``GET /model``: the served model's version, metrics, features and training time.
- ``GET /metrics``: Prometheus metrics (see ``metrics.py``).

The model is loaded once, when the application starts, and a background task then checks the
champion pointer every few seconds: a newly promoted model is loaded beside the old one and swapped
in between two requests, so promotion needs no restart and no request ever waits for a load.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from operator import attrgetter
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from ..inference import ModelUnavailableError, ServingModel, champion_version, load_champion
from ..settings import Settings, get_settings
from .limits import BodySizeLimitMiddleware
from .metrics import MetricsMiddleware, ServiceMetrics
from .schemas import FeatureRow, ModelInfo, PredictResponse, RowParser

logger = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS: Final = 10.0
"""How often the service checks whether another model has been promoted."""

_ERROR_FIELDS: Final = ("type", "loc", "msg")
"""What a validation error reports: not the input (it may be large or sensitive), no URLs."""

NOT_READY_DETAIL: Final = "no model is loaded yet: train and promote one (make train)"


class ModelSlot:
    """Holds the served model and replaces it when the champion pointer moves.

    Requests read ``slot.model`` (one attribute access); only the background task writes it, and
    a whole ``ServingModel`` is swapped in one assignment, so a request sees the old model or the
    new one, never a mix.
    """

    def __init__(self, settings: Settings, metrics: ServiceMetrics) -> None:
        """Start empty; ``refresh`` loads the champion."""
        self.settings = settings
        self.metrics = metrics
        self.model: ServingModel | None = None
        self._failed_version: str | None = None

    async def refresh(self) -> None:
        """Load the champion if it is not the served version; keep the current model on failure.

        File reads and unpickling run in a worker thread, so requests keep being served (by the
        current model) while a new one loads.
        """
        try:
            version = await asyncio.to_thread(champion_version, self.settings)
        except OSError as error:
            logger.warning("cannot read the champion pointer: %s", error)
            return
        if version is None or version == self._served_version():
            return
        try:
            model = await asyncio.to_thread(load_champion, self.settings)
        except ModelUnavailableError as error:
            # Retried at every check (the files may still be arriving), reported once.
            if version != self._failed_version:
                logger.error("cannot serve champion version %s: %s", version, error)
            self._failed_version = version
            return
        self.model = model
        self._failed_version = None
        self.metrics.set_model(model.name, model.version)
        logger.info("serving %s version %s", model.name, model.version)

    async def watch(self, interval: float) -> None:
        """Call ``refresh`` every ``interval`` seconds, for ever (cancelled at shutdown)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # A bug here must not stop the watcher: log it and keep serving.
                logger.exception("unexpected error while checking for a new champion")

    def require(self) -> ServingModel:
        """Return the served model, or answer 503 when there is none."""
        model = self.model
        if model is None:
            raise HTTPException(status_code=503, detail=NOT_READY_DETAIL)
        return model

    def _served_version(self) -> str | None:
        return None if self.model is None else self.model.version


def rows_to_matrix(rows: Sequence[BaseModel], features: Sequence[str]) -> npt.NDArray[np.float64]:
    """Stack validated rows into a ``float64`` matrix, one column per feature in ``features`` order.

    ``attrgetter`` reads all fields of a row in one C call; ``reshape`` also covers a single
    feature, for which ``attrgetter`` returns a scalar instead of a tuple.
    """
    getter = attrgetter(*features)
    values = np.array([getter(row) for row in rows], dtype=np.float64)
    return values.reshape(len(rows), len(features))


def prediction_rows(outputs: dict[str, npt.NDArray[Any]]) -> list[dict[str, Any]]:
    """Turn the task's output columns into one JSON-ready object per row."""
    names = list(outputs)
    # ``tolist`` converts whole columns to Python numbers at C speed.
    columns = [outputs[name].tolist() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def public_errors(error: ValidationError) -> list[dict[str, Any]]:
    """Validation errors as the API reports them: type, location (prefixed ``body``), message."""
    return [
        {"type": item["type"], "loc": ["body", *item["loc"]], "msg": item["msg"]}
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def create_app(
    settings: Settings | None = None, *, poll_seconds: float = DEFAULT_POLL_SECONDS
) -> FastAPI:
    """Build the service for ``settings`` (default: ``get_settings()``).

    ``poll_seconds`` is how often the service looks for a newly promoted champion. Used as a
    uvicorn factory (``create_app`` with no argument) by ``serve``.
    """
    settings = settings or get_settings()
    metrics = ServiceMetrics(latency_slo_seconds=settings.latency_slo_ms / 1000)
    slot = ModelSlot(settings, metrics)
    parser = RowParser(FeatureRow, max_rows=settings.max_rows_per_request)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        metrics.model_ready.set(0)
        await slot.refresh()
        if slot.model is None:
            logger.warning("starting without a model: %s", NOT_READY_DETAIL)
        watcher = asyncio.create_task(slot.watch(poll_seconds))
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    app = FastAPI(
        title=f"{settings.model_name} prediction service",
        description="Predictions of the champion model of the registry.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.slot = slot
    app.state.metrics = metrics

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the input back; keep the type, location and message only.
        details = [{key: item[key] for key in _ERROR_FIELDS} for item in error.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(details)})

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, error: Exception) -> JSONResponse:
        # A generic body: the traceback goes to the server log (Starlette re-raises the error
        # to uvicorn after this response is sent), never to the client.
        return JSONResponse(status_code=500, content={"detail": "internal server error"})

    row_schema = parser.request_schema()

    @app.post(
        "/predict",
        response_model=PredictResponse,
        summary="Predict for one row or a list of rows",
        responses={
            413: {"description": "Request body above the size limit."},
            422: {"description": "Invalid rows: every failing field is named."},
            503: {"description": "No model is loaded yet."},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": row_schema}},
            }
        },
    )
    async def predict(request: Request) -> Response:
        """Validate the rows, predict them as one array and return one prediction per row.

        The body is validated straight from its bytes (see ``RowParser``) and the response is
        serialised once with pydantic-core: no intermediate dicts, no response-model round trip.
        The prediction runs on the event loop: it is CPU-bound (a thread pool only adds a hop
        and the GIL) and bounded by ``max_rows_per_request``.
        """
        model = slot.require()
        try:
            rows = parser.parse(await request.body())
        except ValidationError as error:
            raise RequestValidationError(public_errors(error)) from None
        outputs = model.predict(rows_to_matrix(rows, model.features))
        metrics.predictions.inc(len(rows))
        payload = {"model_version": model.version, "predictions": prediction_rows(outputs)}
        return Response(content=to_json(payload), media_type="application/json")

    @app.get("/health", summary="Liveness")
    async def health() -> dict[str, str]:
        """Answer 200 while the process serves requests, with or without a model."""
        return {"status": "ok"}

    @app.get(
        "/ready",
        summary="Readiness",
        responses={503: {"description": "No model is loaded yet."}},
    )
    async def ready() -> JSONResponse:
        """Answer 200 with the model version once a model is loaded, 503 before."""
        model = slot.model
        if model is None:
            return JSONResponse(
                status_code=503, content={"status": "unavailable", "detail": NOT_READY_DETAIL}
            )
        return JSONResponse(content={"status": "ready", "model_version": model.version})

    @app.get(
        "/model",
        response_model=ModelInfo,
        summary="The served model",
        responses={503: {"description": "No model is loaded yet."}},
    )
    async def model_info() -> ModelInfo:
        """Return the version, held-out metrics, features and training time of the model."""
        model = slot.require()
        return ModelInfo(
            name=model.name,
            version=model.version,
            features=list(model.features),
            metrics=dict(model.metrics),
            trained_at=model.trained_at,
        )

    @app.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """Expose the service's metrics in the Prometheus text format."""
        return Response(content=generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # Middleware run outermost first: metrics see every request, 413s included.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(
        MetricsMiddleware,
        metrics=metrics,
        endpoints=frozenset({"/predict", "/health", "/ready", "/model", "/metrics"}),
    )
    return app


__all__ = [
    "ModelSlot",
    "create_app",
    "prediction_rows",
    "public_errors",
    "rows_to_matrix",
]
