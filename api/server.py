"""The HTTP protocol ``graphsvc-api serve`` runs: uvicorn's (httptools), with read deadlines uvicorn lacks.

uvicorn closes a connection only when it idles between requests (``timeout_keep_alive``). A connection that
opens and sends nothing, or half a request line, or stops in the middle of its headers or its body, stays open as
long as the client likes: a few hundred of them hold every worker's connections. Here

- the request line and headers must arrive within ``GRAPHSVC_HEADER_TIMEOUT`` seconds, counted from the
  connection's opening or from the request's first byte;
- a body may pause at most ``GRAPHSVC_BODY_TIMEOUT`` seconds between two reads (not counting the time the service
  itself stops reading because it has not yet taken what came);

else the connection gets ``408 Request Timeout`` (when no answer has begun) and is closed.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.settings import ConnectionTimeouts

PROBLEM_JSON = b"application/problem+json"


@functools.cache
def _timeouts() -> ConnectionTimeouts:
    return ConnectionTimeouts.from_env()  # every worker reads the environment serve set, once


def _timeout_answer(detail: str) -> bytes:
    body = json.dumps(
        {"type": "about:blank", "title": "Request timeout", "status": 408, "detail": detail}, ensure_ascii=False
    ).encode("utf-8")
    head = (
        b"HTTP/1.1 408 Request Timeout\r\n"
        b"content-type: " + PROBLEM_JSON + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"x-content-type-options: nosniff\r\n"
        b"connection: close\r\n\r\n"
    )
    return head + body


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline and a body pause limit (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeouts = _timeouts()
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, expired: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    # -- the connection and the parser's events ----------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.read_timeouts.header, self._headers_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a further request on the connection: its headers' time starts now
            self._arm(self.read_timeouts.header, self._headers_late)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        # A request without a body completes right after this, which disarms the body's timer again.
        self._arm(self.read_timeouts.body, self._body_stalled)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm(self.read_timeouts.body, self._body_stalled)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    # -- the deadlines ---------------------------------------------------------------------------------------------
    def _headers_late(self) -> None:
        self._deadline = None
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined request behind one still being answered: the answer first, then its deadline again.
            self._arm(self.read_timeouts.header, self._headers_late)
            return
        self._close(f"the request's line and headers did not arrive within {self.read_timeouts.header:g} s")

    def _body_stalled(self) -> None:
        self._deadline = None
        if self.flow is not None and self.flow.read_paused:
            # The service has not taken what came yet: the wait is the service's, not the client's.
            self._arm(self.read_timeouts.body, self._body_stalled)
            return
        detail = f"the request body paused for more than {self.read_timeouts.body:g} s"
        self._close(detail if self.cycle is not None and not self.cycle.response_started else None)

    def _close(self, detail: str | None) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if detail is not None:
            self.transport.write(_timeout_answer(detail))
        self.transport.close()


__all__ = ["TimedHttpProtocol"]
