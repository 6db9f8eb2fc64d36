"""Request body size limit, enforced before anything parses the body.

A client announcing a large ``Content-Length`` is refused at once, without reading a byte; a client
that streams (chunked encoding) or lies about the length is cut off as soon as the bytes received
exceed the limit. Either way the service answers 413 and memory stays bounded by the limit.
"""

import json
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODYLESS_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
"""Methods whose requests are passed through untouched (no body to bound or to buffer)."""


class BodySizeLimitMiddleware:
    """Pure ASGI middleware that answers 413 to bodies above ``max_bytes``.

    Requests with a body are read completely here, under the limit, and replayed to the app. The
    endpoints read the whole body anyway to validate it, so buffering adds no memory and the
    application code never sees an oversized body.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, on_reject: Callable[[], None] | None = None
    ) -> None:
        """Wrap ``app`` with a limit of ``max_bytes`` per request body.

        ``on_reject`` is called for each refused request (the service counts them by kind).
        """
        self.app = app
        self.max_bytes = max_bytes
        self.on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or buffer the body, then call the app with a receive that replays it."""
        if scope["type"] != "http" or scope["method"] in BODYLESS_METHODS:
            await self.app(scope, receive, send)
            return

        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(send)
            return

        chunks: list[bytes] = []
        size = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # The client went away: there is nobody to answer.
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)

        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            # After the body, the app may wait for a disconnect: hand that to the real channel.
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        if self.on_reject is not None:
            self.on_reject()
        payload = json.dumps(
            {"detail": f"request body is larger than the limit of {self.max_bytes} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    # The unread rest of the body makes the connection unusable for another request.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    """Return the declared body length, or None when absent or not a number.

    The HTTP parser of the server already refuses malformed lengths; a value that is still not a
    number falls back to counting the bytes as they stream in.
    """
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
