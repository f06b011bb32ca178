"""How the service reaches its store from several worker processes.

The embedded store is one DuckDB file that one process may write at a time, so the service opens it per
use (readers share, a writer waits its turn; see graphsvc/stores/filelock.py) and serves the hot paths
(subject profiles, decision checks, the lists) from in-memory views and indexes (api/views.py, api/facts.py)
that are rebuilt when the store's published generation changes: those requests open no connection, and no
worker holds one between uses, so ``graphsvc load`` can always take the store. Neo4j is a server: one
connection pool per worker, kept open.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

from api.settings import ServiceSettings
from graphsvc.errors import StoreError
from graphsvc.stores.base import Generation, GraphStore
from graphsvc.stores.embedded import EmbeddedStore, generation_path, read_generation, read_only_reason
from graphsvc.stores.filelock import TurnLock

# How long a Neo4j generation answer is trusted before asking the server again.
_NEO4J_GENERATION_TTL = 1.0
# How long a worker waits for another to finish building its facts index (about a minute at 10M subjects).
FACTS_BUILD_TIMEOUT = 900.0


class StoreAccess:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._server: GraphStore | None = None
        self._lock = threading.Lock()
        self._generation: tuple[float, Generation] | None = None
        self._published: tuple[tuple[tuple[int, int, int], tuple[int, int]], Generation] | None = None
        # Why the store cannot be written (its folder or file is read-only), or None: it is then served read-only.
        self.read_only: str | None = read_only_reason(settings.db) if self.embedded else None

    @property
    def embedded(self) -> bool:
        return self.settings.store == "embedded"

    def _server_store(self) -> GraphStore:
        with self._lock:
            if self._server is None:
                from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore

                server: GraphStore = Neo4jStore(Neo4jSettings.from_env())
                self._server = server
            return self._server

    @contextmanager
    def read(self) -> Iterator[GraphStore]:
        if not self.embedded:
            yield self._server_store()
            return
        with EmbeddedStore(self.settings.db, read_only=True) as store:
            yield store

    @contextmanager
    def write(self) -> Iterator[GraphStore]:
        if not self.embedded:
            yield self._server_store()
            return
        if self.read_only is not None:
            raise StoreError(self.read_only)
        with EmbeddedStore(self.settings.db) as store:
            yield store

    @contextmanager
    def building_facts(self) -> Iterator[None]:
        """One worker of the store at a time builds its index of every subject's facts (api/facts.py): at 10M
        subjects a build holds some 7 GB beyond the 1.8 GB index it leaves, so two workers building at once (at
        start, after every load) would not fit where two workers serving do. The others wait their turn."""
        lock = TurnLock(self.settings.db, "facts-index", timeout=FACTS_BUILD_TIMEOUT)
        try:
            yield
        finally:
            lock.release()

    def fact_versions(self) -> dict[str, pa.Table]:
        """Every version of every role, entry and finding of the embedded store, for the worker's index of
        subject facts (api/facts.py), in one short read. A server store answers subject by subject instead."""
        if not self.embedded:
            raise StoreError("fact_versions reads the embedded store; ask a server store subject by subject")
        with EmbeddedStore(self.settings.db, read_only=True) as store:
            return store.fact_versions()

    def generation(self) -> Generation:
        """The store's current generation: cheap enough to ask on every request."""
        if self.embedded:
            # Writers replace the file (a new inode each time): re-read it only when the stat changes, or when the
            # store's own file is another (deleted or replaced: what was published is not the new store's).
            try:
                st, db = os.stat(generation_path(self.settings.db)), os.stat(self.settings.db)
                stamp = ((st.st_ino, st.st_mtime_ns, st.st_size), (db.st_dev, db.st_ino))
            except FileNotFoundError:
                stamp = None
            seen = self._published
            if stamp is not None and seen is not None and seen[0] == stamp:
                return seen[1]
            generation = read_generation(self.settings.db)  # None if not this store's
            if generation is None:
                with self.read() as store:  # asked of the store (none there any more: StoreError says so)
                    generation = store.generation()
            if stamp is not None:
                # until a writer publishes again: what it published, or what the store said instead
                self._published = (stamp, generation)
            return generation
        now = time.monotonic()
        cached = self._generation
        if cached is not None and now - cached[0] < _NEO4J_GENERATION_TTL:
            return cached[1]
        generation = self._server_store().generation()
        self._generation = (now, generation)
        return generation

    def forget_generation(self) -> None:
        """After this process wrote: the next generation() asks the store again."""
        self._generation = None

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None
