"""In-memory adjacency of the role graph on a date, for the investigator analytics on either store.

Compressed sparse rows (numpy) in both directions, built from ``GraphStore.graph_on`` (one query on the embedded
store, keyset pages of Cypher on Neo4j), so a traversal touches only the edges it follows. Edges are numbered in
the row order of the roles, which every store gives alike (GRAPH_ROLE_ORDER), so answers are the same on both.
Analytics report, explain and score; they never create list entries.

Everything is a column: node and edge numbers as int32, roles as small codes into ``role_names``, dates as
``datetime64[D]`` (NaT: open), ratios as float64 (NaN: none), subject ids, kinds and names as Arrow strings,
looked up only when an answer shows them; a subject id is found by binary search over the ids in sorted order.
For 1M subjects and 3M roles that is about 200 MB (the Python lists it replaced took over 1 GB).

The embedded store's adjacency is also kept on disk, beside the store file, per batch and date
(``<store>.analytics/b<batch>/<as-of>/``, private to the store's owner like the store): a later process maps
those files (``numpy.load(mmap_mode="r")``, Arrow IPC) instead of reading 3M roles and sorting them again, so a
CLI analytics command after the first answers without rebuilding. A new batch (``<store>.generation``) makes a
new directory and removes the older ones. Each directory says which store and batch it was made from
(:mod:`graphsvc.stores.sidecar`): a store made anew at the same path, whose batches count from 1 again, never maps
the graph of the store it replaced, and the in-process cache is keyed the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, overload

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from graphsvc.context import build_context
from graphsvc.errors import UnknownSubject
from graphsvc.profiles import Profile
from graphsvc.stores.base import FactsVersion, GraphStore
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.sidecar import (
    batch_directory,
    forget_other_batches,
    forget_other_stores,
    read_meta,
    save_atomically,
    write_meta,
)
from graphsvc.vocab import RoleType

IntArray = npt.NDArray[np.integer[Any]]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]

ROLE_ORDER: tuple[str, ...] = tuple(r.value for r in RoleType)  # role codes: the vocabulary's order first
_FEW = 24  # values read one by one rather than taken in bulk
_FORMAT = 1  # bump when the files' layout changes: older directories are then rebuilt
_ARRAYS = (
    "source",
    "target",
    "role_code",
    "ratio",
    "valid_from",
    "valid_to",
    "rank",
    "sorted_ids",
    "by_rank",
    "out_ptr",
    "out_edges",
    "in_ptr",
    "in_edges",
    "walk_ptr",
    "walk_edge",
    "walk_other",
    "walk_outward",
)


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


class StringColumn(Sequence[str]):
    """A read-only sequence of strings over an Arrow array: values become Python strings only when read."""

    def __init__(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> None:
        if isinstance(array, pa.ChunkedArray):
            # One chunk (a saved graph's, memory-mapped) is used as it is: combining would copy it.
            whole = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
            self.array: pa.Array[Any] = cast("pa.Array[Any]", whole)
        else:
            self.array = array

    def __len__(self) -> int:
        return len(self.array)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [str(v) for v in self.array[i].to_pylist()]
        return str(self.array[int(i)].as_py())

    def __iter__(self) -> Iterator[str]:
        return (str(v) for v in self.array.to_pylist())


class RoleColumn(Sequence[str]):
    """Per edge, its role type, held as a code into ``names``."""

    def __init__(self, codes: IntArray, names: tuple[str, ...]) -> None:
        self.codes, self.names = codes, names

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, e: int) -> str: ...
    @overload
    def __getitem__(self, e: slice) -> list[str]: ...
    def __getitem__(self, e: int | slice) -> str | list[str]:
        if isinstance(e, slice):
            return [self.names[c] for c in self.codes[e].tolist()]
        return self.names[int(self.codes[e])]

    def __iter__(self) -> Iterator[str]:
        return (self.names[c] for c in self.codes.tolist())


class DateColumn(Sequence[dt.date | None]):
    """Per edge, a date (None where the column holds NaT)."""

    def __init__(self, days: DateArray) -> None:
        self.days = days

    def __len__(self) -> int:
        return len(self.days)

    @staticmethod
    def _date(value: np.datetime64) -> dt.date | None:
        return None if np.isnat(value) else dt.date.fromordinal(int(value.astype(np.int64)) + _EPOCH)

    @overload
    def __getitem__(self, e: int) -> dt.date | None: ...
    @overload
    def __getitem__(self, e: slice) -> list[dt.date | None]: ...
    def __getitem__(self, e: int | slice) -> dt.date | list[dt.date | None] | None:
        if isinstance(e, slice):
            return [self._date(v) for v in self.days[e]]
        return self._date(self.days[e])


_EPOCH = dt.date(1970, 1, 1).toordinal()
_NAT = int(np.datetime64("NaT", "D").astype(np.int64))


def _iso(day: int) -> str | None:
    """A day number (days since 1970-01-01) as an ISO date (None for NaT)."""
    return None if day == _NAT else dt.date.fromordinal(day + _EPOCH).isoformat()


def arrow_indices(positions: IntArray) -> pa.Array[Any]:
    """Row positions as an Arrow int64 array for ``take``, made from the numpy buffer: handing numpy to pyarrow
    directly makes it import pandas first (0.2-0.6 s, which a one-off command pays in full)."""
    values = np.ascontiguousarray(positions, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values.data)])


def _days(column: pa.ChunkedArray[Any]) -> DateArray:
    days = pc.cast(column, pa.date32()).to_numpy(zero_copy_only=False)
    return np.asarray(days, dtype="datetime64[D]")


def _csr(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(keys, kind="stable").astype(np.int32)
    ptr = np.zeros(n + 1, dtype=np.int64)
    if len(keys):
        np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order


def _id_bytes(ids: pa.Array[Any]) -> npt.NDArray[np.bytes_]:
    """Subject ids as UTF-8 bytes (whose order is the code-point order of the strings)."""
    encoded = [str(v).encode() for v in ids.to_pylist()]
    return np.array(encoded, dtype=np.bytes_) if encoded else np.zeros(0, dtype="S1")


class Adjacency:
    """Subjects as integer nodes; role edges (source holds role at target) indexed out of and into each node,
    and every node's steps (both directions, self-loops left out) in walk order: by neighbour subject_id, then
    edge (``walk_ptr[n]:walk_ptr[n + 1]`` into ``walk_edge``, ``walk_other``, ``walk_outward``)."""

    def __init__(self, as_of: dt.date, subjects: pa.Table, role_names: tuple[str, ...], arrays: dict[str, Any]):
        self.as_of = as_of
        self.subjects = subjects
        self.ids = StringColumn(subjects.column("subject_id"))
        self.kinds = StringColumn(subjects.column("kind"))
        self.names = StringColumn(subjects.column("name"))
        self.role_names = role_names
        self.source: IntArray = arrays["source"]
        self.target: IntArray = arrays["target"]
        self.role_code: IntArray = arrays["role_code"]
        self.roles = RoleColumn(self.role_code, role_names)
        self.ratio: FloatArray = arrays["ratio"]  # NaN: no ratio
        self.valid_from = DateColumn(arrays["valid_from"])
        self.valid_to = DateColumn(arrays["valid_to"])
        self.rank: IntArray = arrays["rank"]  # per node, its position in subject_id order
        self._sorted_ids: npt.NDArray[np.bytes_] = arrays["sorted_ids"]
        self._by_rank: IntArray = arrays["by_rank"]  # the node at each position in subject_id order
        self._out_ptr: IntArray = arrays["out_ptr"]
        self._out_edges: IntArray = arrays["out_edges"]
        self._in_ptr: IntArray = arrays["in_ptr"]
        self._in_edges: IntArray = arrays["in_edges"]
        self.walk_ptr: IntArray = arrays["walk_ptr"]
        self.walk_edge: IntArray = arrays["walk_edge"]
        self.walk_other: IntArray = arrays["walk_other"]
        self.walk_outward: BoolArray = arrays["walk_outward"]
        # the dates as day numbers (NaT: the smallest int64), read one by one for a few edges
        self._day_numbers = (arrays["valid_from"].view(np.int64), arrays["valid_to"].view(np.int64))
        self._arrays = arrays
        self.mapped = False  # True when the columns are mapped from a saved directory

    # -- building, saving, mapping ----------------------------------------------------------------------------

    @classmethod
    def build(cls, subjects: pa.Table, roles: pa.Table, as_of: dt.date) -> Adjacency:
        subjects = subjects.select(["subject_id", "kind", "name"]).combine_chunks()
        id_array = subjects.column("subject_id").combine_chunks()
        n = len(id_array)
        source = np.asarray(
            pc.index_in(roles.column("source_id"), value_set=id_array).to_numpy(zero_copy_only=False), dtype=np.int32
        )
        target = np.asarray(
            pc.index_in(roles.column("target_id"), value_set=id_array).to_numpy(zero_copy_only=False), dtype=np.int32
        )
        found = sorted({str(r) for r in pc.unique(roles.column("role")).to_pylist()})
        role_names = ROLE_ORDER + tuple(r for r in found if r not in ROLE_ORDER)
        role_code = np.asarray(
            pc.index_in(roles.column("role"), value_set=pa.array(role_names, pa.string())).to_numpy(
                zero_copy_only=False
            ),
            dtype=np.int8 if len(role_names) < 127 else np.int32,
        )
        id_bytes = _id_bytes(id_array)
        order = np.argsort(id_bytes, kind="stable").astype(np.int32)
        rank = np.empty(n, dtype=np.int32)
        rank[order] = np.arange(n, dtype=np.int32)
        out_ptr, out_edges = _csr(source, n)
        in_ptr, in_edges = _csr(target, n)
        # walk order: every non-loop edge twice (out of its source, into its target), by node, neighbour rank, edge
        edges = np.flatnonzero(source != target).astype(np.int32)
        node = np.concatenate([source[edges], target[edges]])
        other = np.concatenate([target[edges], source[edges]])
        edge = np.concatenate([edges, edges])
        outward = np.concatenate([np.ones(len(edges), dtype=np.bool_), np.zeros(len(edges), dtype=np.bool_)])
        walk = np.lexsort((edge, rank[other], node))
        walk_ptr = np.zeros(n + 1, dtype=np.int64)
        if len(node):
            np.cumsum(np.bincount(node, minlength=n), out=walk_ptr[1:])
        arrays: dict[str, Any] = {
            "source": source,
            "target": target,
            "role_code": role_code,
            "ratio": np.asarray(roles.column("ratio").to_numpy(zero_copy_only=False), dtype=np.float64),
            "valid_from": _days(roles.column("valid_from")),
            "valid_to": _days(roles.column("valid_to")),
            "rank": rank,
            "sorted_ids": id_bytes[order],
            "by_rank": order,
            "out_ptr": out_ptr,
            "out_edges": out_edges,
            "in_ptr": in_ptr,
            "in_edges": in_edges,
            "walk_ptr": walk_ptr,
            "walk_edge": edge[walk],
            "walk_other": other[walk],
            "walk_outward": outward[walk],
        }
        return cls(as_of, subjects, role_names, arrays)

    def save(self, directory: Path, made_from: FactsVersion) -> None:
        """Write the adjacency into ``directory`` (``<store>.analytics/b<batch>/<as-of>``), in place of any there,
        atomically."""

        def write(scratch: Path) -> None:
            for name in _ARRAYS:
                np.save(scratch / f"{name}.npy", self._arrays[name], allow_pickle=False)
            with ipc.new_file(str(scratch / "subjects.arrow"), self.subjects.schema) as writer:
                writer.write_table(self.subjects)
            meta = {"format": _FORMAT, "as_of": self.as_of.isoformat(), "role_names": list(self.role_names)}
            write_meta(scratch, made_from, meta)

        save_atomically(directory, write, root=directory.parent.parent)

    @classmethod
    def open(cls, directory: Path, made_from: FactsVersion) -> Adjacency | None:
        """The adjacency saved in ``directory``, its arrays memory-mapped (None if absent, damaged, of another
        format, or made from another store or batch)."""
        meta = read_meta(directory, made_from)
        if meta is None or meta.get("format") != _FORMAT:
            return None
        try:
            # plain ndarray views of the maps: numpy.memmap's own indexing runs Python code on every lookup
            arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in _ARRAYS}
            subjects = ipc.open_file(pa.memory_map(str(directory / "subjects.arrow"))).read_all()
        except (OSError, ValueError, KeyError):
            return None
        opened = cls(dt.date.fromisoformat(meta["as_of"]), subjects, tuple(meta["role_names"]), arrays)
        opened.mapped = True
        return opened

    # -- lookups ------------------------------------------------------------------------------------------------

    def find(self, subject_id: str) -> int | None:
        """The node of ``subject_id`` (None if it is not a current subject)."""
        key = subject_id.encode()
        at = int(np.searchsorted(self._sorted_ids, key))
        if at < len(self._sorted_ids) and self._sorted_ids[at] == key:
            return int(self._by_rank[at])
        return None

    def find_all(self, subject_ids: Sequence[str]) -> IntArray:
        """The nodes of ``subject_ids`` (-1 where a subject is not current)."""
        if not len(subject_ids) or not len(self._sorted_ids):
            return np.full(len(subject_ids), -1, dtype=np.int64)
        keys = np.array([s.encode() for s in subject_ids], dtype=np.bytes_)
        at = np.minimum(np.searchsorted(self._sorted_ids, keys), len(self._sorted_ids) - 1)
        hit = self._sorted_ids[at] == keys
        return np.where(hit, self._by_rank[at], -1).astype(np.int64)

    def find_column(self, subject_ids: pa.Array[Any] | pa.ChunkedArray[Any]) -> IntArray:
        """The nodes of a column of subject ids (-1 where a subject is not current), found without making a
        Python string of each."""
        if not len(subject_ids) or not len(self._sorted_ids):
            return np.full(len(subject_ids), -1, dtype=np.int64)
        encoded = pc.cast(subject_ids, pa.binary())
        chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
        keys = np.concatenate([np.asarray(c.to_numpy(zero_copy_only=False), dtype=np.bytes_) for c in chunks])
        at = np.minimum(np.searchsorted(self._sorted_ids, keys), len(self._sorted_ids) - 1)
        hit = self._sorted_ids[at] == keys
        return np.where(hit, self._by_rank[at], -1).astype(np.int64)

    def node(self, subject_id: str) -> int:
        found = self.find(subject_id)
        if found is None:
            raise UnknownSubject(f"unknown subject {subject_id!r}; give a subject_id from the store")
        return found

    def out_edges(self, node: int) -> IntArray:
        """Edges whose source is ``node`` (roles it holds elsewhere, shares it owns)."""
        return self._out_edges[self._out_ptr[node] : self._out_ptr[node + 1]]

    def in_edges(self, node: int) -> IntArray:
        """Edges whose target is ``node`` (its officers, its shareholders)."""
        return self._in_edges[self._in_ptr[node] : self._in_ptr[node + 1]]

    def code_of(self, role: str) -> int:
        """The code of a role type (-1 if no edge of the graph could carry it)."""
        return self.role_names.index(role) if role in self.role_names else -1

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

    def edge_dicts(self, edges: Sequence[int]) -> list[dict[str, Any]]:
        """``edge(e).as_dict()`` for many edges at once (the columns read in bulk, not value by value)."""
        if not len(edges):
            return []
        if len(edges) <= _FEW:
            return [self._edge_dict(int(e)) for e in edges]
        at = np.asarray(edges, dtype=np.int64)
        ends = np.concatenate([self.source[at], self.target[at]]).astype(np.int64)  # pa.array(numpy) imports pandas
        names = self._strings(self.ids, ends)
        ratios = self.ratio[at]
        starts, stops = (
            np.datetime_as_string(days[at], unit="D").tolist() for days in (self.valid_from.days, self.valid_to.days)
        )
        m = len(at)
        return [
            {
                "source": names[i],
                "role": self.role_names[code],
                "target": names[m + i],
                "ratio": None if ratio != ratio else ratio,  # NaN: no ratio
                "valid_from": None if start == "NaT" else start,
                "valid_to": None if stop == "NaT" else stop,
            }
            for i, (code, ratio, start, stop) in enumerate(
                zip(self.role_code[at].tolist(), ratios.tolist(), starts, stops, strict=True)
            )
        ]

    def _edge_dict(self, e: int) -> dict[str, Any]:
        """``edge_dicts`` of one edge, value by value (numpy's per-call cost dominates for a few)."""
        ratio = self.ratio.item(e)
        ids = self.ids.array
        return {
            "source": str(ids[self.source.item(e)].as_py()),
            "role": self.role_names[self.role_code.item(e)],
            "target": str(ids[self.target.item(e)].as_py()),
            "ratio": None if ratio != ratio else ratio,  # NaN: no ratio
            "valid_from": _iso(self._day_numbers[0].item(e)),
            "valid_to": _iso(self._day_numbers[1].item(e)),
        }

    @staticmethod
    def _strings(column: StringColumn, rows: IntArray) -> list[str]:
        """The values at ``rows``: one by one for a few (an Arrow ``take`` costs tens of microseconds), else taken."""
        if len(rows) <= _FEW:
            return [column[int(r)] for r in rows.tolist()]
        return [str(v) for v in column.array.take(arrow_indices(rows)).to_pylist()]

    def describe_many(self, nodes: Sequence[int]) -> list[dict[str, str]]:
        """``describe`` for many nodes at once."""
        if not len(nodes):
            return []
        if len(nodes) <= _FEW:
            ids, kinds, names = self.ids.array, self.kinds.array, self.names.array
            return [
                {"subject_id": str(ids[n].as_py()), "kind": str(kinds[n].as_py()), "name": str(names[n].as_py())}
                for n in map(int, nodes)
            ]
        at = np.asarray(nodes, dtype=np.int64)
        columns = [self._strings(c, at) for c in (self.ids, self.kinds, self.names)]
        return [{"subject_id": str(i), "kind": str(k), "name": str(n)} for i, k, n in zip(*columns, strict=True)]

    def nbytes(self) -> int:
        """Bytes held by the graph's columns (mapped or in memory)."""
        return sum(int(a.nbytes) for a in self._arrays.values()) + int(self.subjects.nbytes)


def saved_directory(store: GraphStore, as_of: dt.date, batch: int) -> Path | None:
    """Where the adjacency of ``store`` on ``as_of`` at ``batch`` is kept on disk (None: not kept, e.g. Neo4j)."""
    if not isinstance(store, EmbeddedStore) or store.in_memory:
        return None
    return batch_directory(store.path, "analytics", batch) / as_of.isoformat()


class AdjacencyCache:
    """One adjacency per (as-of date), rebuilt when the store has recorded a new batch or is another store (a
    store made anew at the same path); on the embedded store, kept on disk per batch and date and mapped by later
    processes."""

    def __init__(self, *, keep_on_disk: bool = True) -> None:
        self._built: dict[dt.date, tuple[FactsVersion, Adjacency]] = {}
        self.keep_on_disk = keep_on_disk

    def fresh(self, as_of: dt.date, facts: FactsVersion) -> Adjacency | None:
        """The adjacency on ``as_of`` if it was built from ``facts`` (the store's identity and batch): lets a
        caller that already knows the store's generation skip opening the store."""
        cached = self._built.get(as_of)
        return cached[1] if cached is not None and cached[0] == facts else None

    def get(self, store: GraphStore, as_of: dt.date) -> Adjacency:
        facts = store.generation().facts
        cached = self._built.get(as_of)
        if cached is not None and cached[0] == facts:
            return cached[1]
        directory = saved_directory(store, as_of, facts.batch) if self.keep_on_disk else None
        adjacency = Adjacency.open(directory, facts) if directory is not None else None
        if adjacency is None:
            subjects, roles = store.graph_on(as_of)
            adjacency = Adjacency.build(subjects, roles, as_of)
            if directory is not None:
                with contextlib.suppress(OSError):  # a read-only folder: answer from memory all the same
                    if Adjacency.open(directory, facts) is None:  # none yet, or unusable (damaged, another store's)
                        adjacency.save(directory, facts)
                    forget_other_stores(directory.parent, facts)
                    forget_other_batches(directory.parent.parent, directory.parent)
                # answer from the mapped files too: the built arrays go, the page cache holds the graph
                adjacency = Adjacency.open(directory, facts) or adjacency
        self._built[as_of] = (facts, adjacency)
        return adjacency


def inputs_on(
    store: GraphStore, profile: Profile, as_of: dt.date, cache: AdjacencyCache | None = None
) -> tuple[Adjacency, pa.Table]:
    """The adjacency on ``as_of`` and the entries in force then under ``profile`` (V1/V2, as the rules see them)."""
    graph = (cache or AdjacencyCache()).get(store, as_of)
    return graph, store.entries_in_force(build_context(profile, as_of))
