"""Model slots: the champion, and the challenger, each loaded once and swapped without restart.

A slot polls its registry pointer in the local model store (one small file) every few seconds. A
new version is loaded beside the served one, in a worker thread, and swapped in with one
assignment between two requests: promotion needs no restart and no request waits for a load.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Final

from fastapi import HTTPException

from ..inference import (
    ModelUnavailableError,
    ServingModel,
    challenger_version,
    champion_version,
    load_model,
)
from ..registry.base import CHALLENGER_ALIAS, CHAMPION_ALIAS
from ..settings import Settings
from .metrics import ServiceMetrics

logger = logging.getLogger(__name__)

NOT_READY_DETAIL: Final = "no model is loaded yet: train and promote one (make train)"

_POINTERS: Final[Mapping[str, Callable[[Settings], str | None]]] = {
    CHAMPION_ALIAS: champion_version,
    CHALLENGER_ALIAS: challenger_version,
}


class ModelSlot:
    """Holds the model one registry alias points at, and replaces it when the pointer moves.

    Requests read ``slot.model`` (one attribute access); only ``refresh`` writes it, and a whole
    ``ServingModel`` is swapped in one assignment, so a request sees the old model or the new
    one, never a mix. The champion's slot keeps its model when the pointer disappears (serving
    the last known good model beats serving nothing); the challenger's slot empties, since
    removing the challenger alias is how an experiment ends.
    """

    def __init__(
        self, settings: Settings, metrics: ServiceMetrics, alias: str = CHAMPION_ALIAS
    ) -> None:
        """Start empty; ``refresh`` loads the model ``alias`` points at."""
        self.settings = settings
        self.metrics = metrics
        self.alias = alias
        self.model: ServingModel | None = None
        self._failed_version: str | None = None

    async def refresh(self) -> None:
        """Load the aliased version if it is not the served one; keep the current on failure.

        File reads and unpickling run in a worker thread, so requests keep being served (by the
        current model) while a new one loads.
        """
        try:
            version = await asyncio.to_thread(_POINTERS[self.alias], self.settings)
        except OSError as error:
            logger.warning("cannot read the %s pointer: %s", self.alias, error)
            return
        if version is None:
            if self.alias == CHALLENGER_ALIAS and self.model is not None:
                logger.info(
                    "challenger version %s removed: serving the champion only", self.model.version
                )
                self.model = None
                self.metrics.clear_model(self.alias)
            return
        if version == self._served_version():
            return
        try:
            model = await asyncio.to_thread(load_model, self.settings, self.alias)
        except ModelUnavailableError as error:
            # Retried at every check (the files may still be arriving), reported once.
            if version != self._failed_version:
                logger.error("cannot serve %s version %s: %s", self.alias, version, error)
            self._failed_version = version
            return
        self.model = model
        self._failed_version = None
        self.metrics.set_model(self.alias, model)
        logger.info("serving %s %s version %s", self.alias, model.name, model.version)

    async def watch(self, interval: float) -> None:
        """Call ``refresh`` every ``interval`` seconds, for ever (cancelled at shutdown)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # A bug here must not stop the watcher: log it and keep serving.
                logger.exception("unexpected error while checking the %s", self.alias)

    def require(self) -> ServingModel:
        """Return the served model, or answer 503 when there is none."""
        model = self.model
        if model is None:
            raise HTTPException(status_code=503, detail=NOT_READY_DETAIL)
        return model

    def _served_version(self) -> str | None:
        return None if self.model is None else self.model.version


__all__ = ["NOT_READY_DETAIL", "ModelSlot"]
