"""Request body limits, enforced before anything parses the body: its size and its arrival time.

Size: a client announcing a large ``Content-Length`` is refused at once, without reading a byte; a
client that streams (chunked encoding) or lies about the length is cut off as soon as the bytes
received exceed the limit. Either way the service answers 413 and memory stays bounded by the limit.

Time: uvicorn waits for a request body as long as the client keeps the connection open; its
keep-alive timeout only runs between requests. A client that sends its headers and then trickles
the body (or stops sending) would hold its connection and its buffer for ever. The whole body must
therefore arrive within ``timeout_seconds`` of the headers, or the service answers 408 and closes
the connection. Requests of other clients are served meanwhile: waiting for a body costs no thread
and no CPU. Slow *headers* never reach the application, so they are bounded by the proxy in front
of the service (docs/security.md).
"""

import asyncio
import json
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODYLESS_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
"""Methods whose requests are passed through untouched (no body to bound or to buffer)."""

TOO_LARGE: Final = "too_large"
"""Kind of rejection (and ``prediction_errors_total`` kind) of a body above the size limit: 413."""

BODY_TIMEOUT: Final = "body_timeout"
"""Kind of rejection of a body that did not arrive within the time limit: 408."""


class _BodyTooLargeError(Exception):
    """The body grew past the size limit while it was read."""


class BodySizeLimitMiddleware:
    """Pure ASGI middleware that answers 413 to bodies above ``max_bytes``, 408 to slow ones.

    Requests with a body are read completely here, under both limits, and replayed to the app.
    The endpoints read the whole body anyway to validate it, so buffering adds no memory and the
    application code never sees an oversized or incomplete body.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        timeout_seconds: float,
        on_reject: Callable[[str], None] | None = None,
    ) -> None:
        """Wrap ``app`` with limits of ``max_bytes`` and ``timeout_seconds`` per request body.

        ``on_reject`` is called with the kind of each refused request, ``TOO_LARGE`` or
        ``BODY_TIMEOUT`` (the service counts them by kind).
        """
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
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

        try:
            async with asyncio.timeout(self.timeout_seconds):
                body = await self._read_body(receive)
        except _BodyTooLargeError:
            await self._too_large(send)
            return
        except TimeoutError:
            await self._reject(
                send,
                BODY_TIMEOUT,
                408,
                f"request body not received within {self.timeout_seconds:g} s",
            )
            return
        if body is None:
            return  # The client went away: there is nobody to answer.

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            # After the body, the app may wait for a disconnect: hand that to the real channel.
            return await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None if the client disconnects first; raises past the size limit."""
        chunks: list[bytes] = []
        size = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _BodyTooLargeError
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        return b"".join(chunks)

    async def _too_large(self, send: Send) -> None:
        await self._reject(
            send, TOO_LARGE, 413, f"request body is larger than the limit of {self.max_bytes} bytes"
        )

    async def _reject(self, send: Send, kind: str, status: int, detail: str) -> None:
        if self.on_reject is not None:
            self.on_reject(kind)
        payload = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
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
