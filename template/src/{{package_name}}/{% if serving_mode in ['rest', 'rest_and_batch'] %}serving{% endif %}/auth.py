"""Who may call the service: an API key for ``POST /predict``, and the browser origins allowed.

Both are closed or off by default in the way that suits each: no browser origin may call the
service (no CORS headers are sent) unless listed in ``cors_allow_origins``, and the API key is off
so that ``make serve`` answers on a developer's machine at once. Production sets ``APP_API_KEY``
(docs/security.md): a prediction then needs the key in the ``X-API-Key`` header, or gets 401.

The comparison takes the same time whatever key is sent (``hmac.compare_digest``), so response
times reveal nothing of the key. Health, readiness and metrics stay open: probes and Prometheus
need them, and they disclose no input or prediction.
"""

import hmac
from typing import Final

from pydantic import SecretStr

API_KEY_HEADER: Final = "x-api-key"
"""The request header that carries the key (HTTP header names are case-insensitive)."""

UNAUTHORIZED_DETAIL: Final = "missing or invalid API key: send it in the X-API-Key header"

CORS_ALLOWED_HEADERS: Final = ("Content-Type", "X-API-Key", "X-Routing-Key", "X-Request-ID")
"""Request headers a listed browser origin may send."""


class ApiKeyCheck:
    """Checks the key of a request against the configured one, in constant time."""

    def __init__(self, key: SecretStr | None) -> None:
        """``key`` is the configured key; ``None`` turns the check off."""
        self._expected = None if key is None else key.get_secret_value().encode()

    @property
    def required(self) -> bool:
        """Whether requests must carry the key."""
        return self._expected is not None

    def allows(self, provided: str | None) -> bool:
        """Whether a request whose ``X-API-Key`` header is ``provided`` may predict."""
        if self._expected is None:
            return True
        if provided is None:
            return False
        return hmac.compare_digest(provided.encode(), self._expected)
