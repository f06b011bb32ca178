"""Service settings, from environment variables (so that every worker process reads the same ones).

| variable | meaning | default |
|---|---|---|
| ``GRAPHSVC_STORE`` | ``embedded`` or ``neo4j`` | embedded |
| ``GRAPHSVC_DB`` | the embedded store's file | ``$XDG_DATA_HOME/graphsvc/graphsvc.duckdb`` |
| ``NEO4J_URI`` … | the Neo4j connection (see the README) | |
| ``GRAPHSVC_PROFILE`` | the jurisdiction profile the service evaluates | default |
| ``GRAPHSVC_AS_OF`` | the service's current date (YYYY-MM-DD); requests may ask for any other date | today |
| ``GRAPHSVC_LATE_ENTRY_DAYS`` | how many days before the service date a lifecycle step may be dated (late entry) | 30 |
| ``GRAPHSVC_API_KEYS`` | the key file (``graphsvc-api keys add`` writes it) | none: every caller is public |
| ``GRAPHSVC_AUDIT_DIR`` | the audit journal's folder | ``<store>.audit`` beside the embedded store |
| ``GRAPHSVC_AUDIT_FLUSH_SECONDS`` | how often each worker moves its journal into the store | 5 |
| ``GRAPHSVC_MAX_BODY_BYTES`` | request bodies above this get 413 before they are read | 10485760 (10 MB) |
| ``GRAPHSVC_RATE_LIMIT`` | requests per key (per address without a key) and worker: ``N/SECONDS``; 0: off | 600/60 |
| ``GRAPHSVC_MAX_BATCH_ITEMS`` | items in one JSON body's list (entries, findings), records (rows) in one file of \
``POST /v1/loads``: more get 422 before any is read; ``maxItems`` in the OpenAPI schema, read at the start | 10000 |
| ``GRAPHSVC_MAX_ANSWER_ROWS`` | rows of an answer that is not paged (CSV exports, the audit log, the objection, \
repair and announcement lists): more get 400 before the answer is built, asking for narrower filters | 100000 |
| ``GRAPHSVC_HEADER_TIMEOUT`` | seconds a connection has to send a request's line and headers (from its opening or \
the request's first byte): then 408 and closed | 10 |
| ``GRAPHSVC_BODY_TIMEOUT`` | seconds a request body may pause between two reads: then 408 and closed | 30 |
| ``GRAPHSVC_TRUSTED_PROXIES`` | addresses or networks (``10.0.0.5,10.1.0.0/16``) whose ``X-Forwarded-For`` and \
``X-Forwarded-Proto`` are believed | none: the headers are ignored |
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import os
from dataclasses import dataclass
from pathlib import Path

from graphsvc.config import default_db_path
from graphsvc.errors import InputError
from graphsvc.lifecycle.clock import DEFAULT_LATE_ENTRY_DAYS, StepClock, late_entry_days_from_env

STORE_KINDS = ("embedded", "neo4j")
DEFAULT_RATE_LIMIT = "600/60"
DEFAULT_MAX_BATCH_ITEMS = 10_000
DEFAULT_MAX_ANSWER_ROWS = 100_000
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0


def _positive(name: str, default: float, what: str, *, whole: bool = False) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0 and (value.is_integer() or not whole)):
        kind = "whole" if whole else "positive"
        raise InputError(f"{name}={text!r}: write a {kind} number of {what} above 0, e.g. {default:g}")
    return value


def max_batch_items() -> int:
    """``GRAPHSVC_MAX_BATCH_ITEMS``: the request models read it once, when api.models is imported, so that the
    OpenAPI schema states it (``maxItems``)."""
    return int(_positive("GRAPHSVC_MAX_BATCH_ITEMS", DEFAULT_MAX_BATCH_ITEMS, "items", whole=True))


@dataclass(frozen=True)
class ConnectionTimeouts:
    """How long a connection may take to send a request's headers, and how long its body may pause (the
    server's protocol, api/server.py, reads these; uvicorn itself has only the keep-alive timeout)."""

    header: float = DEFAULT_HEADER_TIMEOUT
    body: float = DEFAULT_BODY_TIMEOUT

    @staticmethod
    def from_env() -> ConnectionTimeouts:
        return ConnectionTimeouts(
            header=_positive("GRAPHSVC_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT, "seconds"),
            body=_positive("GRAPHSVC_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT, "seconds"),
        )


def trusted_proxies(text: str) -> tuple[str, ...]:
    """``GRAPHSVC_TRUSTED_PROXIES``: addresses and networks, comma-separated; each checked."""
    proxies = tuple(part.strip() for part in text.split(",") if part.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise InputError(
                f"GRAPHSVC_TRUSTED_PROXIES: {proxy!r} is not an IP address or network; write e.g. "
                "10.0.0.5,10.1.0.0/16 (the addresses of the proxies in front of the service)"
            ) from None
    return proxies


@dataclass(frozen=True)
class RateLimit:
    """``requests`` per ``seconds`` for one key, as a token bucket: bursts up to ``requests``, refilled evenly."""

    requests: int
    seconds: float

    @staticmethod
    def parse(text: str) -> RateLimit | None:
        if text.strip() in ("", "0"):
            return None
        try:
            count, _, period = text.partition("/")
            limit = RateLimit(int(count), float(period or "60"))
        except ValueError:
            limit = RateLimit(0, 0)
        if limit.requests <= 0 or limit.seconds <= 0:
            raise InputError(f"GRAPHSVC_RATE_LIMIT={text!r}: write REQUESTS/SECONDS, e.g. 600/60, or 0 for no limit")
        return limit


@dataclass(frozen=True)
class ServiceSettings:
    store: str
    db: Path
    profile: str
    as_of: dt.date | None  # None: today, read at each request
    api_keys: Path | None
    audit_dir: Path
    audit_flush_seconds: float
    max_body_bytes: int = 10 * 1024 * 1024
    rate_limit: RateLimit | None = None  # None: no limit
    max_answer_rows: int = DEFAULT_MAX_ANSWER_ROWS
    trusted_proxies: tuple[str, ...] = ()  # none: X-Forwarded-For is ignored, the peer's address is the client's
    timeouts: ConnectionTimeouts = ConnectionTimeouts()
    late_entry_days: int = DEFAULT_LATE_ENTRY_DAYS  # lifecycle steps may be dated this many days back

    @staticmethod
    def from_env() -> ServiceSettings:
        store = os.environ.get("GRAPHSVC_STORE", "embedded")
        if store not in STORE_KINDS:
            raise InputError(f"GRAPHSVC_STORE={store!r}: choose one of {', '.join(STORE_KINDS)}")
        db = Path(os.environ.get("GRAPHSVC_DB") or default_db_path())
        as_of_text = os.environ.get("GRAPHSVC_AS_OF")
        try:
            as_of = dt.date.fromisoformat(as_of_text) if as_of_text else None
        except ValueError:
            raise InputError(f"GRAPHSVC_AS_OF={as_of_text!r} is not a date YYYY-MM-DD") from None
        keys = os.environ.get("GRAPHSVC_API_KEYS")
        audit_dir = os.environ.get("GRAPHSVC_AUDIT_DIR")
        default_audit = db.with_name(db.name + ".audit") if store == "embedded" else db.parent / "audit-journal"
        try:
            flush = float(os.environ.get("GRAPHSVC_AUDIT_FLUSH_SECONDS", "5"))
        except ValueError:
            raise InputError("GRAPHSVC_AUDIT_FLUSH_SECONDS must be a number of seconds") from None
        try:
            max_body = int(os.environ.get("GRAPHSVC_MAX_BODY_BYTES", str(10 * 1024 * 1024)))
        except ValueError:
            raise InputError("GRAPHSVC_MAX_BODY_BYTES must be a number of bytes") from None
        max_batch_items()  # checked here too, so that a bad value stops the service at its start
        answer_rows = _positive("GRAPHSVC_MAX_ANSWER_ROWS", DEFAULT_MAX_ANSWER_ROWS, "rows", whole=True)
        return ServiceSettings(
            max_body_bytes=max_body,
            rate_limit=RateLimit.parse(os.environ.get("GRAPHSVC_RATE_LIMIT", DEFAULT_RATE_LIMIT)),
            max_answer_rows=int(answer_rows),
            trusted_proxies=trusted_proxies(os.environ.get("GRAPHSVC_TRUSTED_PROXIES", "")),
            timeouts=ConnectionTimeouts.from_env(),
            store=store,
            db=db,
            profile=os.environ.get("GRAPHSVC_PROFILE", "default"),
            as_of=as_of,
            api_keys=Path(keys) if keys else None,
            audit_dir=Path(audit_dir) if audit_dir else default_audit,
            audit_flush_seconds=flush,
            late_entry_days=late_entry_days_from_env(),
        )

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def clock(self) -> StepClock:
        """What a lifecycle step may be dated (graphsvc/lifecycle/clock.py): the service date and the grace."""
        return StepClock(self.today(), self.late_entry_days)
