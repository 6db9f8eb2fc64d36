"""The REST service: FastAPI in front of the champion model (and, optionally, a challenger).

Endpoints:

- ``POST /predict``: one row (a JSON object) or a list of rows; returns one prediction per row and
  the model version. 422 names every invalid field, 413 refuses a body above
  ``settings.max_request_bytes``, 408 one that has not arrived within
  ``settings.request_body_timeout_seconds`` (see ``limits.py``), 503 while no model is loaded.
  The ``X-Model-Variant`` response header says which model answered (``champion`` or
  ``challenger``) and ``X-Request-ID`` the request's id (see ``request_id.py``); the body is the
  same whichever model answered.
- ``GET /health``: liveness, always 200 while the process serves requests.
- ``GET /ready``: readiness, 503 until a champion is loaded, then 200 with its version.
- ``GET /model``: the champion's version, metrics, features and training time.
- ``GET /metrics``: Prometheus metrics (see ``metrics.py``).

The champion is loaded when the application starts, and a background task then checks the
champion pointer every few seconds (see ``slots.py``): a newly promoted model is swapped in
without restart. With ``challenger_mode`` ``split`` or ``shadow`` the challenger alias is watched
the same way, and ``routing.py`` decides which model answers. A sample of the requests is
written to the prediction log (``monitoring/prediction_log.py``), the current data of drift
detection and of the champion/challenger analysis.
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
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from ..monitoring.prediction_log import PredictionLogger
from ..registry.base import CHALLENGER_ALIAS, CHAMPION_ALIAS
from ..settings import Settings, get_settings
from .auth import API_KEY_HEADER, CORS_ALLOWED_HEADERS, UNAUTHORIZED_DETAIL, ApiKeyCheck
from .limits import BodySizeLimitMiddleware
from .metrics import MetricsMiddleware, ServiceMetrics
from .request_id import REQUEST_ID_STATE, ROUTING_KEY_STATE, RequestIdMiddleware
from .routing import Router
from .schemas import FeatureRow, ModelInfo, PredictResponse, RowParser
from .shadow import ShadowScorer
from .slots import NOT_READY_DETAIL, ModelSlot

logger = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS: Final = 10.0
"""How often the service checks whether another model has been promoted."""

_ERROR_FIELDS: Final = ("type", "loc", "msg")
"""What a validation error reports: not the input (it may be large or sensitive), no URLs."""

VARIANT_HEADER: Final = "x-model-variant"
"""Response header naming the model that answered: ``champion`` or ``challenger``."""


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

    ``poll_seconds`` is how often the service looks for a newly promoted champion (and a new
    challenger). Used as a uvicorn factory (``create_app`` with no argument) by ``serve``.
    """
    settings = settings or get_settings()
    prediction_log = PredictionLogger.from_settings(settings)
    metrics = ServiceMetrics(
        latency_slo_seconds=settings.latency_slo_ms / 1000,
        feature_metrics=settings.feature_metrics,
        log_counts=None if prediction_log is None else prediction_log.counts,
    )
    slot = ModelSlot(settings, metrics, CHAMPION_ALIAS)
    # The challenger is loaded only when a mode uses it: "off" costs no memory.
    challenger = (
        None
        if settings.challenger_mode == "off"
        else ModelSlot(settings, metrics, CHALLENGER_ALIAS)
    )
    slots = [slot] if challenger is None else [slot, challenger]
    router = Router(
        slot, challenger, mode=settings.challenger_mode, share=settings.challenger_share
    )
    shadow = ShadowScorer(metrics, prediction_log) if settings.challenger_mode == "shadow" else None
    parser = RowParser(FeatureRow, max_rows=settings.max_rows_per_request)
    api_key = ApiKeyCheck(settings.api_key)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        metrics.model_ready.set(0)
        for each in slots:
            await each.refresh()
        if slot.model is None:
            logger.warning("starting without a model: %s", NOT_READY_DETAIL)
        if prediction_log is not None:
            prediction_log.start()
        if shadow is not None:
            shadow.start()
        watchers = [asyncio.create_task(each.watch(poll_seconds)) for each in slots]
        try:
            yield
        finally:
            for watcher in watchers:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            if shadow is not None:
                await shadow.close()
            if prediction_log is not None:
                # The rows still buffered are written before the process exits.
                await asyncio.to_thread(prediction_log.close)

    app = FastAPI(
        title=f"{settings.model_name} prediction service",
        description="Predictions of the champion model of the registry.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.slot = slot
    app.state.challenger = challenger
    app.state.metrics = metrics
    app.state.prediction_log = prediction_log

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the input back; keep the type, location and message only.
        metrics.error("invalid_input")
        details = [{key: item[key] for key in _ERROR_FIELDS} for item in error.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(details)})

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, error: Exception) -> JSONResponse:
        # A generic body: the traceback goes to the server log (Starlette re-raises the error
        # to uvicorn after this response is sent), never to the client.
        metrics.error("internal")
        return JSONResponse(status_code=500, content={"detail": "internal server error"})

    row_schema = parser.request_schema()

    @app.post(
        "/predict",
        response_model=PredictResponse,
        summary="Predict for one row or a list of rows",
        responses={
            401: {"description": "API key required (api_key is set) and missing or wrong."},
            408: {"description": "Request body not received within the time limit."},
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
        and the GIL) and bounded by ``max_rows_per_request``. In shadow mode the rows are
        handed to the challenger once the response is computed (see ``shadow.py``).
        """
        if api_key.required and not api_key.allows(request.headers.get(API_KEY_HEADER)):
            metrics.error("unauthorized")
            return JSONResponse(
                status_code=401,
                content={"detail": UNAUTHORIZED_DETAIL},
                headers={"WWW-Authenticate": "ApiKey"},
            )
        state = request.scope["state"]
        try:
            route = router.route(state[ROUTING_KEY_STATE])
        except HTTPException:
            metrics.error("not_ready")
            raise
        try:
            rows = parser.parse(await request.body())
        except ValidationError as error:
            raise RequestValidationError(public_errors(error)) from None
        model = route.model
        matrix = rows_to_matrix(rows, model.features)
        outputs = model.predict(matrix)
        metrics.record(route.variant, matrix, outputs)
        request_id: str = state[REQUEST_ID_STATE]
        logged = False
        if prediction_log is not None and prediction_log.sample():
            logged = True
            prediction_log.log(
                request_id=request_id,
                variant=route.variant,
                served=True,
                model_version=model.version,
                features=matrix,
                outputs=outputs,
            )
        payload = {"model_version": model.version, "predictions": prediction_rows(outputs)}
        content = to_json(payload)
        if route.shadow is not None and shadow is not None:
            shadow.submit(route.shadow, matrix, request_id=request_id, logged=logged)
        return Response(
            content=content, media_type="application/json", headers={VARIANT_HEADER: route.variant}
        )

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
            runtime=model.runtime,
        )

    @app.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """Expose the service's metrics in the Prometheus text format."""
        return Response(content=generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # Middleware run outermost first: metrics see every request, 413s and 408s included, and
    # every response carries its request id.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        timeout_seconds=settings.request_body_timeout_seconds,
        on_reject=metrics.error,
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(
        MetricsMiddleware,
        metrics=metrics,
        endpoints=frozenset({"/predict", "/health", "/ready", "/model", "/metrics"}),
    )
    if settings.cors_allow_origins:
        # Outermost, so that a browser's preflight request is answered before anything else.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST"],
            allow_headers=list(CORS_ALLOWED_HEADERS),
        )
    return app


__all__ = [
    "ModelSlot",
    "create_app",
    "prediction_rows",
    "public_errors",
    "rows_to_matrix",
]
