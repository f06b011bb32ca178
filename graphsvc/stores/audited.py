"""A store whose write carries the audit event of the request that makes it (PRV-06).

The domain code (graphsvc/lifecycle/, the loaders) writes through the store it is handed and knows nothing of
requests. The service hands it this wrapper instead: the first write through it takes the request's
``AuditRecord`` along, and the store writes that event in the write's own transaction, so that the change is
committed with its audit event or not at all. Reads pass through unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pyarrow as pa

from graphsvc.stores.base import AuditRecord, Batch, Evaluation, GraphStore, LoadResult


class AuditedStore:
    def __init__(self, store: GraphStore, audit: AuditRecord) -> None:
        self._store = store
        self._audit = audit
        self.written = False  # a write took the audit event (one write per request carries it)

    def as_store(self) -> GraphStore:
        """This wrapper where the domain code expects a GraphStore (every other member is the store's own)."""
        return cast(GraphStore, self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _take(self) -> AuditRecord | None:
        if self.written:
            return None
        self.written = True
        return self._audit

    def apply_batch(self, batch: Batch) -> LoadResult:
        audit = self._take()
        return self._store.apply_batch(batch if audit is None else dataclasses.replace(batch, audit=audit))

    def append_warning_events(self, events: pa.Table, audit: AuditRecord | None = None) -> None:
        self._store.append_warning_events(events, audit or self._take())

    def append_authorisation(self, authorisation: pa.Table, audit: AuditRecord | None = None) -> bool:
        carried = audit or (None if self.written else self._audit)
        recorded = self._store.append_authorisation(authorisation, carried)
        if recorded and carried is not None:  # a taken id writes nothing: the refusal that follows is audited
            self.written = True
        return recorded

    def replace_evaluation(self, evaluation: Evaluation, audit: AuditRecord | None = None) -> None:
        self._store.replace_evaluation(evaluation, audit or self._take())
