"""What every request passes before a router sees it: the body limit (413 before anything is parsed), the
per-key rate limit (429 with Retry-After) and the security headers of every answer.

These are plain ASGI middleware: the body is counted as it arrives, so a 463 MB body costs its first chunk,
not 2.5 GB of parsed JSON.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import RateLimit
from api.tiers import KEY_HEADER, digest

PROBLEM_JSON = "application/problem+json"

# The dashboard and the API docs load nothing from elsewhere; frames from other sites may not embed them.
# The docs page (FastAPI's Swagger UI / ReDoc HTML) starts its bundle with an inline script.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc", "/static-offline-docs/")


async def _problem(
    send: Send, status: int, title: str, detail: str, path: str, headers: list[tuple[bytes, bytes]]
) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": path},
        ensure_ascii=False,
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies above ``limit`` bytes with 413: at once when Content-Length says so, else as soon as the
    streamed body passes the limit (a chunked body is held until it ends, at most ``limit`` bytes)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        detail = f"the request body is larger than {self.limit} bytes; send smaller batches"
        declared = declared_length(scope)
        if declared is not None and declared > self.limit:
            await _problem(send, 413, "Request body too large", detail, path, [])
            return
        if declared is not None:
            # Declared within the limit: the server never hands over more than Content-Length bytes.
            await self.app(scope, receive, send)
            return
        # No length declared (chunked): read the body up to the limit first, then hand it over.
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await _problem(send, 413, "Request body too large", detail, path, [])
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class TokenBuckets:
    """One token bucket per key: ``requests`` tokens at most, refilled at requests/seconds per second. Kept in
    the worker's memory (each worker limits on its own), for the most recent 100,000 keys and addresses."""

    KEPT = 100_000

    def __init__(self, limit: RateLimit) -> None:
        self.capacity = float(limit.requests)
        self.rate = limit.requests / limit.seconds
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, who: str, now: float | None = None) -> float:
        """Take one token; 0.0 if granted, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, then = self._buckets.get(who, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[who] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[who] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            self._buckets.move_to_end(who)
            while len(self._buckets) > self.KEPT:
                self._buckets.popitem(last=False)
            return wait


class RateLimiter:
    """429 with ``Retry-After`` when a key (or, without a key, an address) sends more than its limit. Keys are
    told apart by their digest, so the limiter holds no key; an unknown key is limited like a known one."""

    def __init__(self, app: ASGIApp, limit: RateLimit) -> None:
        self.app = app
        self.limit = limit
        self.buckets = TokenBuckets(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in ("/health", "/ready"):
            await self.app(scope, receive, send)
            return
        who = _who(scope)
        wait = self.buckets.take(who)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            detail = (
                f"more than {self.limit.requests} requests in {self.limit.seconds:g} s from this key; "
                f"retry after {retry} s"
            )
            await _problem(
                send,
                429,
                "Too many requests",
                detail,
                str(scope.get("path", "")),
                [(b"retry-after", str(retry).encode())],
            )
            return
        await self.app(scope, receive, send)


def _who(scope: Scope) -> str:
    key_header = KEY_HEADER.lower().encode()
    for name, value in scope.get("headers", []):
        if name == key_header and value:
            return "key:" + digest(value.decode("latin-1"))
    client: Any = scope.get("client")
    return "address:" + (str(client[0]) if client else "unknown")


class SecurityHeaders:
    """Headers on every answer: no MIME sniffing, no referrer, no framing, and a content security policy
    that lets pages load only this service's own files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.startswith(DOCS_PATHS):
            policy = DOCS_CSP
        elif path == "/" or path.startswith("/static/"):
            policy = DASHBOARD_CSP
        else:
            policy = API_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"content-security-policy", policy.encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
