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
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from graphsvc.config import default_db_path
from graphsvc.errors import InputError
from graphsvc.lifecycle.clock import DEFAULT_LATE_ENTRY_DAYS, StepClock, late_entry_days_from_env

STORE_KINDS = ("embedded", "neo4j")
DEFAULT_RATE_LIMIT = "600/60"


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
        return ServiceSettings(
            max_body_bytes=max_body,
            rate_limit=RateLimit.parse(os.environ.get("GRAPHSVC_RATE_LIMIT", DEFAULT_RATE_LIMIT)),
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
