"""Shadow scoring: the challenger scores the rows the champion answered, off the request path.

A request in shadow mode only hands its rows to the ``ShadowScorer`` (a list append) after its
response is computed. A background task scores everything pending in one call to the
challenger every ``interval`` seconds, or as soon as ``batch_rows`` rows wait. One call for many
rows costs about as much as one call for one row (most of a scikit-learn call is fixed
overhead), so shadow mode costs a fraction of a second model evaluation per request. The
predictions are recorded in the metrics and written to the prediction log with
``served=False``; they are never returned, and a failure of the challenger is counted and logged,
never seen by a client.

Memory stays bounded: when ``max_pending_rows`` rows wait (the scorer is starved), the request
that crosses the bound scores the pending rows itself.
"""

import asyncio
import contextlib
import logging
from typing import Final

import numpy as np
import numpy.typing as npt

from ..inference import ServingModel
from ..monitoring.prediction_log import PredictionLogger
from ..registry.base import CHALLENGER_ALIAS
from .metrics import ServiceMetrics

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS: Final = 0.02
DEFAULT_BATCH_ROWS: Final = 512


class ShadowScorer:
    """Scores the challenger on the champion's requests, in batches, in a background task."""

    def __init__(
        self,
        metrics: ServiceMetrics,
        prediction_log: PredictionLogger | None,
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        max_pending_rows: int = 8 * DEFAULT_BATCH_ROWS,
    ) -> None:
        """Record shadow predictions in ``metrics`` and, for sampled requests, the log."""
        self.metrics = metrics
        self.prediction_log = prediction_log
        self.interval = interval
        self.batch_rows = batch_rows
        self.max_pending_rows = max_pending_rows
        # One entry per request, in parallel lists of values the garbage collector does not
        # track (see the prediction log): a request adds no object for it to scan.
        self._models: list[ServingModel] = []
        self._rows: list[npt.NDArray[np.float64]] = []
        self._request_ids: list[str] = []
        self._logged: list[bool] = []
        self._pending_rows = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def submit(
        self,
        model: ServingModel,
        rows: npt.NDArray[np.float64],
        *,
        request_id: str,
        logged: bool,
    ) -> None:
        """Queue ``rows`` for the challenger ``model``; ``logged``: the request was sampled."""
        self._models.append(model)
        self._rows.append(rows)
        self._request_ids.append(request_id)
        self._logged.append(logged)
        self._pending_rows += len(rows)
        if self._pending_rows >= self.max_pending_rows:
            self.score_pending()
        elif self._pending_rows >= self.batch_rows and self._wake is not None:
            self._wake.set()

    def start(self) -> None:
        """Start the background task (call from the running event loop)."""
        if self._task is None:
            # Created here, in the loop that serves: an event belongs to one event loop.
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._run(self._wake), name="shadow-scorer")

    async def close(self) -> None:
        """Stop the background task, then score what is still pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            self._wake = None
        self.score_pending()

    def score_pending(self) -> None:
        """Score every pending request now, one challenger call per challenger model."""
        pending = zip(self._models, self._rows, self._request_ids, self._logged, strict=True)
        groups: dict[int, list[tuple[ServingModel, npt.NDArray[np.float64], str, bool]]] = {}
        for item in pending:
            groups.setdefault(id(item[0]), []).append(item)
        self._models, self._rows, self._request_ids, self._logged = [], [], [], []
        self._pending_rows = 0
        if self._wake is not None:
            self._wake.clear()
        for group in groups.values():
            self._score(group)

    async def _run(self, wake: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self.interval)
            if self._models:
                try:
                    self.score_pending()
                except Exception:  # Never let the scorer die: the next batch may work.
                    logger.exception("unexpected error in shadow scoring")

    def _score(self, group: list[tuple[ServingModel, npt.NDArray[np.float64], str, bool]]) -> None:
        model = group[0][0]
        try:
            rows = np.concatenate([item[1] for item in group])
            outputs = model.predict(rows)
        except Exception:
            self.metrics.shadow_errors.inc(len(group))
            logger.exception("shadow scoring by challenger %s failed", model.version)
            return
        self.metrics.record_shadow(outputs)
        if self.prediction_log is None:
            return
        start = 0
        for _, request_rows, request_id, logged in group:
            end = start + len(request_rows)
            if logged:
                self.prediction_log.log(
                    request_id=request_id,
                    variant=CHALLENGER_ALIAS,
                    served=False,
                    model_version=model.version,
                    features=request_rows,
                    outputs={name: values[start:end] for name, values in outputs.items()},
                )
            start = end


__all__ = ["ShadowScorer"]
