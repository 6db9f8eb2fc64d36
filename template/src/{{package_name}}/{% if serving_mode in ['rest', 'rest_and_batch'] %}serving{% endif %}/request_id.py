"""Request ids and routing keys: read once per request, for the prediction log and for routing.

Every response carries an ``X-Request-ID`` header: the client's own id when it sent a valid one
(``REQUEST_ID_PATTERN``, so that logs and files never hold arbitrary bytes), otherwise a new
uuid4 in hex. The prediction log records it with each row, which is how delayed outcomes are
joined with predictions later.

The routing key decides which model answers in split mode, sticky per key: the ``X-Routing-Key``
header (a user or session id, so that one user always meets the same model), else the request
id. Both land in the request's ``scope["state"]`` (``request.state`` in an endpoint).
"""

import re
import uuid
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER: Final = b"x-request-id"
ROUTING_KEY_HEADER: Final = b"x-routing-key"

REQUEST_ID_PATTERN: Final = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
"""What an incoming request id must look like to be kept (anything else is replaced)."""

REQUEST_ID_STATE: Final = "request_id"
ROUTING_KEY_STATE: Final = "routing_key"
"""Keys of ``scope["state"]`` (attributes of ``request.state``)."""


class RequestIdMiddleware:
    """Pure ASGI middleware: give each request an id and a routing key; echo the id back."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the state, call the app, and add ``X-Request-ID`` to the response headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id: bytes | None = None
        routing_key: bytes | None = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                if REQUEST_ID_PATTERN.fullmatch(value):
                    request_id = value
            elif name == ROUTING_KEY_HEADER and value:
                routing_key = value
        if request_id is None:
            request_id = uuid.uuid4().hex.encode("ascii")
        state = scope.setdefault("state", {})
        state[REQUEST_ID_STATE] = request_id.decode("ascii")
        # Header bytes are latin-1 by the HTTP specification: any value decodes.
        state[ROUTING_KEY_STATE] = (routing_key or request_id).decode("latin-1")
        header = (REQUEST_ID_HEADER, request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


__all__ = [
    "REQUEST_ID_PATTERN",
    "REQUEST_ID_STATE",
    "ROUTING_KEY_STATE",
    "RequestIdMiddleware",
]
