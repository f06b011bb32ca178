"""In-memory adjacency of the role graph on a date, for the investigator analytics on either store.

Compressed sparse rows (numpy) in both directions, built from ``GraphStore.graph_on`` (one query on the embedded
store, keyset pages of Cypher on Neo4j), so a traversal touches only the edges it follows. Edges are numbered in
the row order of the roles, which every store gives alike (GRAPH_ROLE_ORDER), so answers are the same on both.
Analytics report, explain and score; they never create list entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.context import build_context
from graphsvc.errors import UnknownSubject
from graphsvc.profiles import Profile
from graphsvc.stores.base import GraphStore

IntArray = npt.NDArray[np.int64]


def _strings(column: pa.ChunkedArray[Any]) -> list[str]:
    return [str(v) for v in column.to_pylist()]


@dataclass(frozen=True)
class Edge:
    source: str
    role: str
    target: str
    ratio: float | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "role": self.role,
            "target": self.target,
            "ratio": self.ratio,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


class Adjacency:
    """Subjects as integer nodes; role edges (source holds role at target) indexed out of and into each node."""

    def __init__(self, subjects: pa.Table, roles: pa.Table, as_of: dt.date) -> None:
        self.as_of = as_of
        self.ids = _strings(subjects.column("subject_id"))
        self.kinds = _strings(subjects.column("kind"))
        self.names = _strings(subjects.column("name"))
        self.index: dict[str, int] = {sid: i for i, sid in enumerate(self.ids)}
        id_array = subjects.column("subject_id").combine_chunks()
        source = pc.index_in(roles.column("source_id"), value_set=id_array).to_numpy(zero_copy_only=False)
        target = pc.index_in(roles.column("target_id"), value_set=id_array).to_numpy(zero_copy_only=False)
        self.source: IntArray = np.asarray(source, dtype=np.int64)
        self.target: IntArray = np.asarray(target, dtype=np.int64)
        self.roles = _strings(roles.column("role"))
        self.ratio = roles.column("ratio").to_numpy(zero_copy_only=False).astype(np.float64)  # NaN: no ratio
        self.valid_from: list[dt.date | None] = roles.column("valid_from").to_pylist()
        self.valid_to: list[dt.date | None] = roles.column("valid_to").to_pylist()
        n = len(self.ids)
        self._out_ptr, self._out_edges = self._csr(self.source, n)
        self._in_ptr, self._in_edges = self._csr(self.target, n)

    @staticmethod
    def _csr(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
        order = np.argsort(keys, kind="stable").astype(np.int64)
        counts = np.bincount(keys, minlength=n) if len(keys) else np.zeros(n, dtype=np.int64)
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        return ptr, order

    def node(self, subject_id: str) -> int:
        try:
            return self.index[subject_id]
        except KeyError:
            raise UnknownSubject(f"unknown subject {subject_id!r}; give a subject_id from the store") from None

    def out_edges(self, node: int) -> IntArray:
        """Edges whose source is ``node`` (roles it holds elsewhere, shares it owns)."""
        return self._out_edges[self._out_ptr[node] : self._out_ptr[node + 1]]

    def in_edges(self, node: int) -> IntArray:
        """Edges whose target is ``node`` (its officers, its shareholders)."""
        return self._in_edges[self._in_ptr[node] : self._in_ptr[node + 1]]

    def edge(self, e: int) -> Edge:
        ratio = float(self.ratio[e])
        return Edge(
            self.ids[int(self.source[e])],
            self.roles[e],
            self.ids[int(self.target[e])],
            None if np.isnan(ratio) else ratio,
            self.valid_from[e],
            self.valid_to[e],
        )

    def describe(self, node: int) -> dict[str, str]:
        return {"subject_id": self.ids[node], "kind": self.kinds[node], "name": self.names[node]}


class AdjacencyCache:
    """One adjacency per (as-of date), rebuilt when the store has recorded a new batch (kept fresh on writes)."""

    def __init__(self) -> None:
        self._built: dict[dt.date, tuple[int, Adjacency]] = {}

    def fresh(self, as_of: dt.date, batch: int) -> Adjacency | None:
        """The adjacency on ``as_of`` if it was built from batch ``batch``: lets a caller that already knows
        the store's generation skip opening the store."""
        cached = self._built.get(as_of)
        return cached[1] if cached is not None and cached[0] == batch else None

    def get(self, store: GraphStore, as_of: dt.date) -> Adjacency:
        batch = store.generation().batch
        cached = self._built.get(as_of)
        if cached is not None and cached[0] == batch:
            return cached[1]
        subjects, roles = store.graph_on(as_of)
        adjacency = Adjacency(subjects, roles, as_of)
        self._built[as_of] = (batch, adjacency)
        return adjacency


def inputs_on(
    store: GraphStore, profile: Profile, as_of: dt.date, cache: AdjacencyCache | None = None
) -> tuple[Adjacency, pa.Table]:
    """The adjacency on ``as_of`` and the entries in force then under ``profile`` (V1/V2, as the rules see them)."""
    graph = (cache or AdjacencyCache()).get(store, as_of)
    return graph, store.entries_in_force(build_context(profile, as_of))
