"""Which model answers a request: the champion, or in split mode the challenger for some keys.

``challenger_mode`` (settings):

- ``off``: the champion answers everything; no challenger is loaded.
- ``split``: a share ``challenger_share`` of routing keys is answered by the challenger. The
  choice is a stable hash of the key (``routing_share``), so a key always meets the same model
  while the share stays the same, and raising the share only moves keys from the champion to the
  challenger, never back.
- ``shadow``: the champion answers everything; the challenger scores the same rows after the
  response is computed, and its predictions are logged (never returned).

Without a loaded challenger, the champion answers everything, whatever the mode.
"""

import hashlib
from dataclasses import dataclass
from typing import Final, Literal

from ..inference import ServingModel
from ..registry.base import CHALLENGER_ALIAS, CHAMPION_ALIAS
from .slots import ModelSlot

ChallengerMode = Literal["off", "split", "shadow"]

_HASH_PERSON: Final = b"routing"
"""Personalises the hash: routing shares do not correlate with other hashes of the same key."""

_SCALE: Final = float(2**64)


def routing_share(key: str) -> float:
    """Map ``key`` to a number in [0, 1), uniformly and the same in every process and release.

    BLAKE2b rather than ``hash()``: Python salts ``hash()`` per process, which would send a key to
    different models on different replicas or after a restart.
    """
    digest = hashlib.blake2b(key.encode(), digest_size=8, person=_HASH_PERSON).digest()
    return int.from_bytes(digest, "big") / _SCALE


@dataclass(frozen=True, slots=True)
class Route:
    """The model that answers a request, its variant, and the model that shadows it, if any."""

    model: ServingModel
    variant: str
    shadow: ServingModel | None = None


class Router:
    """Chooses the ``Route`` of each request from the slots and the challenger mode."""

    def __init__(
        self,
        champion: ModelSlot,
        challenger: ModelSlot | None,
        *,
        mode: ChallengerMode,
        share: float,
    ) -> None:
        """Route between ``champion`` and ``challenger`` (``None`` in mode ``off``)."""
        self.champion = champion
        self.challenger = challenger
        self.mode = mode
        self.share = share

    def route(self, routing_key: str) -> Route:
        """The route for a request with ``routing_key``; 503 while no champion is loaded."""
        champion = self.champion.require()
        challenger = None if self.challenger is None else self.challenger.model
        if challenger is None or self.mode == "off":
            return Route(champion, CHAMPION_ALIAS)
        if self.mode == "shadow":
            return Route(champion, CHAMPION_ALIAS, shadow=challenger)
        if routing_share(routing_key) < self.share:
            return Route(challenger, CHALLENGER_ALIAS)
        return Route(champion, CHAMPION_ALIAS)


__all__ = ["ChallengerMode", "Route", "Router", "routing_share"]
