"""The current subjects' names by id, for the rules' explanations on the embedded store, kept per batch.

Every derived record names its subject, related subject and origin (``subject_name`` …). Looking names up in
the subjects table means reading and hashing every subject id (1M at 1M subjects) for each evaluation: more than
some rules cost themselves. So the names are kept as three columns sorted by the DuckDB hash of the id (what
the rule statement computes for the ids it names, ``subject_key`` …): a key's leading bits pick its run of keys
in a directory (``buckets``: about one key per bucket), the run is scanned for it, and the id found is checked
against the id itself, so a colliding hash never gives a wrong name (the id is then looked up in the table, as
one that is not current).

Made from the current subjects when a process evaluates a batch for the second time (:class:`NamesCache`), and
kept beside the store file (``<store>.names/b<batch>/``, :mod:`graphsvc.stores.sidecar`): a later process maps
those files instead of reading the subjects again. The files say which store and batch they were made from (a
store made anew at the same path makes them again) and, the hash being DuckDB's, which DuckDB made them: another
version makes them again.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from graphsvc.stores.base import FactsVersion
from graphsvc.stores.duck import fetch_arrow
from graphsvc.stores.sidecar import batch_directory, forget_other_batches, read_meta, save_atomically, write_meta

_FORMAT = 2  # bump when the files' layout changes: older directories are then rebuilt
_WHAT = "names"
Keys = npt.NDArray[np.uint64]


def id_key(column: str) -> str:
    """The SQL for a subject id's key (NULL for a NULL id): what :class:`SubjectNames` is sorted by."""
    return f"CASE WHEN {column} IS NOT NULL THEN hash({column}) END"


def _bits(keys: int) -> int:
    """How many leading bits of a key pick its bucket: at least as many buckets as keys."""
    return max(1, (keys - 1).bit_length())


Buckets = npt.NDArray[np.integer[Any]]


def _buckets(keys: Keys) -> Buckets:
    """Where each bucket's keys start in ``keys`` (and, last, where the last one ends)."""
    bits = _bits(len(keys))
    leading = (keys >> np.uint64(64 - bits)).astype(np.int64)
    starts: Buckets = np.zeros((1 << bits) + 1, dtype=np.int32 if len(keys) < 2**31 else np.int64)
    np.cumsum(np.bincount(leading, minlength=1 << bits), out=starts[1:])
    return starts


@dataclass(frozen=True)
class SubjectNames:
    """Current subjects' ids and names in key order (``keys`` ascending), and the buckets of the keys."""

    keys: Keys
    buckets: Buckets
    ids: pa.Array[Any]
    names: pa.Array[Any]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> SubjectNames:
        table = fetch_arrow(
            con,
            f"SELECT {id_key('subject_id')} AS key, subject_id, name FROM subjects "
            "WHERE superseded_at IS NULL ORDER BY key",
        ).combine_chunks()
        keys: Keys = np.asarray(table.column("key").to_numpy(), dtype=np.uint64)
        ids, names = table.column("subject_id").combine_chunks(), table.column("name").combine_chunks()
        return cls(keys, _buckets(keys), ids, names)

    def positions(self, wanted: Keys) -> npt.NDArray[np.int64]:
        """Where each key is in ``keys`` (its first place), -1 where it is not."""
        found = np.full(len(wanted), -1, dtype=np.int64)
        if not len(self.keys):
            return found
        bucket = (wanted >> np.uint64(64 - _bits(len(self.keys)))).astype(np.int64)
        at, end = self.buckets[bucket].astype(np.int64), self.buckets[bucket + 1]
        todo = np.flatnonzero(at < end)
        while len(todo):  # one step along every bucket at once; buckets hold a few keys at most
            hit = self.keys[at[todo]] == wanted[todo]
            found[todo[hit]] = at[todo[hit]]
            todo = todo[~hit]
            at[todo] += 1
            todo = todo[at[todo] < end[todo]]
        return found

    def save(self, directory: Path, made_from: FactsVersion) -> None:
        """Write the names into ``directory`` (``<store>.names/b<batch>``), in place of any there, atomically."""

        def write(scratch: Path) -> None:
            np.save(scratch / "keys.npy", self.keys, allow_pickle=False)
            np.save(scratch / "buckets.npy", self.buckets, allow_pickle=False)
            table = pa.table({"subject_id": self.ids, "name": self.names})
            with ipc.new_file(str(scratch / "subjects.arrow"), table.schema) as writer:
                writer.write_table(table)
            write_meta(scratch, made_from, {"format": _FORMAT, "duckdb": duckdb.__version__})

        save_atomically(directory, write, root=directory.parent)

    @classmethod
    def open(cls, directory: Path, made_from: FactsVersion) -> SubjectNames | None:
        """The names saved in ``directory``, memory-mapped (None if absent, damaged, of another format or DuckDB,
        or made from another store or batch)."""
        meta = read_meta(directory, made_from)
        if meta is None or meta.get("format") != _FORMAT or meta.get("duckdb") != duckdb.__version__:
            return None
        try:
            keys: Keys = np.load(directory / "keys.npy", mmap_mode="r").view(np.ndarray)
            buckets: Buckets = np.load(directory / "buckets.npy", mmap_mode="r").view(np.ndarray)
            table = ipc.open_file(pa.memory_map(str(directory / "subjects.arrow"))).read_all().combine_chunks()
        except (OSError, ValueError, KeyError):
            return None
        ids, names = table.column("subject_id").combine_chunks(), table.column("name").combine_chunks()
        return cls(keys, buckets, ids, names)

    def names_of(self, *columns: tuple[pa.ChunkedArray[Any], pa.ChunkedArray[Any]]) -> list[pa.Array[Any]]:
        """The names of each column of ids (with the column of their keys): null for a null id, an id that is
        not a current subject, and one whose key another id shares ahead of it (the caller looks those up in
        the subjects). The columns are looked up together; a column equal to an earlier one (a propagation's
        origin is its related subject) is not looked up again."""
        distinct: list[tuple[pa.ChunkedArray[Any], pa.ChunkedArray[Any]]] = []
        which = []
        for column in columns:
            same_as = next((i for i, (earlier, _) in enumerate(distinct) if earlier.equals(column[0])), None)
            if same_as is None:
                same_as = len(distinct)
                distinct.append(column)
            which.append(same_as)
        ids = pa.concat_arrays([c.combine_chunks() for c, _ in distinct]) if distinct else pa.array([], pa.string())
        if not len(self.keys) or not len(ids):
            return [pa.nulls(len(c), pa.string()) for c, _ in columns]
        keys: Any = pa.chunked_array([k for _, key in distinct for k in key.chunks], pa.uint64())
        filled: Any = pc.fill_null(keys, 0)
        found = self.positions(np.asarray(filled.to_numpy(), dtype=np.uint64))
        at = np.maximum(found, 0)
        # checked against the id itself: a null id, or one whose key is another's, is not found here
        same: Any = pc.and_(pa.array(found >= 0), pc.equal(self.ids.take(at), ids))
        named: pa.Array[Any] = pc.if_else(same.fill_null(False), self.names.take(at), None)
        parts, start = [], 0
        for c, _ in distinct:
            parts.append(named.slice(start, len(c)))
            start += len(c)
        return [parts[i] for i in which]


class NamesCache:
    """One :class:`SubjectNames` per store, rebuilt when the store records a batch; kept beside a store file.

    Making them reads and sorts every current subject (about 0.4 s per million), several times what one
    evaluation's own lookup of its rows' names costs. So the first evaluation of a batch in a process that finds
    none kept looks its names up in the subjects table (``get`` answers None), and the second makes them: a
    one-off ``graphsvc evaluate`` after a load pays nothing more, and a server evaluating a batch again and
    again pays once, for every later process too. One cache per store file and process (:func:`names_cache`),
    whichever connection asks: the service opens the store anew for each use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: tuple[FactsVersion, SubjectNames] | None = None
        self._asked: FactsVersion | None = None  # the facts whose names an evaluation has looked up in the subjects

    def get(self, con: duckdb.DuckDBPyConnection, facts: FactsVersion, store_path: Path | None) -> SubjectNames | None:
        """The names of the current subjects of ``facts`` (the store's identity and last batch: a store made anew
        at the same path is never answered with the names of the one it replaced)."""
        with self._lock:
            if self._built is not None and self._built[0] == facts:
                return self._built[1]
            directory = batch_directory(store_path, _WHAT, facts.batch) if store_path is not None else None
            names = SubjectNames.open(directory, facts) if directory is not None else None
            if names is None:
                if self._asked != facts:
                    self._asked = facts
                    return None
                names = SubjectNames.read(con)
                if directory is not None:
                    with contextlib.suppress(OSError):  # a read-only folder: answer from memory all the same
                        # any files there could not be used (damaged, another DuckDB's or store's): replaced
                        names.save(directory, facts)
                        forget_other_batches(directory.parent, directory)
                    names = SubjectNames.open(directory, facts) or names  # the page cache holds them, not this process
            self._built = (facts, names)
            return names


_CACHES: OrderedDict[Path, NamesCache] = OrderedDict()
_CACHES_KEPT = 4  # store files per process whose names stay mapped (a process rarely uses more than one)
_CACHES_LOCK = threading.Lock()


def names_cache(store_path: Path | None) -> NamesCache:
    """The process's names cache of a store file (a new one for an in-memory store, which is its connection's)."""
    if store_path is None:
        return NamesCache()
    key = store_path.resolve()
    with _CACHES_LOCK:
        cache = _CACHES.get(key)
        if cache is None:
            cache = _CACHES[key] = NamesCache()
            while len(_CACHES) > _CACHES_KEPT:
                _CACHES.popitem(last=False)
        _CACHES.move_to_end(key)
        return cache
