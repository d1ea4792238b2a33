"""Request limits for the editor API: body size (declared or streamed) and time per request.

The size check counts the bytes as they arrive, so a chunked upload with no Content-Length is
held to the same limit as one that declares its size.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")


def _too_large(max_bytes: int) -> str:
    return f"request body over {max_bytes:,} bytes; send a shorter article"


class BodySizeLimit:
    """ASGI middleware: 413 once a request body passes `max_bytes`, whatever its headers say."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse({"detail": _too_large(self.max_bytes)}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, _too_large(self.max_bytes))
            return message

        await self.app(scope, limited_receive, send)


async def run_with_timeout(func: Callable[..., T], *args, timeout_s: float | None, **kwargs) -> T:
    """Run blocking `func` in the thread pool; 503 if it takes longer than `timeout_s`.

    The worker thread cannot be killed and finishes in the background, but the client gets an
    answer in bounded time and the event loop stays free for other requests.
    """
    call: Awaitable[T] = run_in_threadpool(func, *args, **kwargs)
    if not timeout_s:
        return await call
    try:
        return await asyncio.wait_for(call, timeout_s)
    except asyncio.TimeoutError:
        raise HTTPException(503, f"scoring took longer than {timeout_s:g} s; send a shorter article or raise --timeout") from None
