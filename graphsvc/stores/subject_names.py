"""The current subjects' names by id, for the rules' explanations on the embedded store, kept per batch.

Every derived record names its subject, related subject and origin (``subject_name`` …). Looking names up in
the subjects table means reading and hashing every subject id (1M at 1M subjects) for each evaluation: more than
some rules cost themselves. So the names are kept as three columns sorted by the DuckDB hash of the id (what
the rule statement computes for the ids it names, ``subject_key`` …): a name is a binary search over 8-byte keys,
checked against the id itself, so a colliding hash never gives a wrong name (the id is then looked up in the
table, as one that is not current).

Built from the current subjects when an evaluation first needs them after a batch, and kept beside the store
file (``<store>.names/b<batch>/``, :mod:`graphsvc.stores.sidecar`): a later process maps those files instead of
reading the subjects again. The hash is DuckDB's, so the files say which DuckDB made them; another version
rebuilds them.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from graphsvc.stores.duck import fetch_arrow
from graphsvc.stores.sidecar import batch_directory, forget_other_batches, save_atomically

_FORMAT = 1  # bump when the files' layout changes: older directories are then rebuilt
_WHAT = "names"
Keys = npt.NDArray[np.uint64]


def id_key(column: str) -> str:
    """The SQL for a subject id's key (NULL for a NULL id): what :class:`SubjectNames` is sorted by."""
    return f"CASE WHEN {column} IS NOT NULL THEN hash({column}) END"


@dataclass(frozen=True)
class SubjectNames:
    """Current subjects' ids and names in key order (``keys`` ascending)."""

    keys: Keys
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
        return cls(keys, table.column("subject_id").combine_chunks(), table.column("name").combine_chunks())

    def save(self, directory: Path) -> None:
        def write(scratch: Path) -> None:
            np.save(scratch / "keys.npy", self.keys, allow_pickle=False)
            table = pa.table({"subject_id": self.ids, "name": self.names})
            with ipc.new_file(str(scratch / "subjects.arrow"), table.schema) as writer:
                writer.write_table(table)
            meta = {"format": _FORMAT, "duckdb": duckdb.__version__}
            (scratch / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

        save_atomically(directory, write, root=directory.parent)

    @classmethod
    def open(cls, directory: Path) -> SubjectNames | None:
        """The names saved in ``directory``, memory-mapped (None if absent, of another format or DuckDB)."""
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != _FORMAT or meta.get("duckdb") != duckdb.__version__:
                return None
            keys: Keys = np.load(directory / "keys.npy", mmap_mode="r").view(np.ndarray)
            table = ipc.open_file(pa.memory_map(str(directory / "subjects.arrow"))).read_all().combine_chunks()
        except (OSError, ValueError, KeyError):
            return None
        return cls(keys, table.column("subject_id").combine_chunks(), table.column("name").combine_chunks())

    def names_of(self, *columns: tuple[pa.ChunkedArray[Any], pa.ChunkedArray[Any]]) -> list[pa.Array[Any]]:
        """The names of each column of ids (with the column of their keys): null for a null id, an id that is
        not a current subject, and one whose key another id shares ahead of it (the caller looks those up in
        the subjects). The columns are looked up together, each distinct key once."""
        ids = pa.concat_arrays([c.combine_chunks() for c, _ in columns]) if columns else pa.array([], pa.string())
        if not len(self.keys) or not len(ids):
            return [pa.nulls(len(c), pa.string()) for c, _ in columns]
        keys: Any = pa.chunked_array([k for _, key in columns for k in key.chunks], pa.uint64())
        filled: Any = pc.fill_null(keys, 0)
        wanted: Keys = np.asarray(filled.to_numpy(), dtype=np.uint64)
        distinct, each = np.unique(wanted, return_inverse=True)
        at = np.minimum(np.searchsorted(self.keys, distinct), len(self.keys) - 1)
        # checked against the id itself: a null id, or one whose key is another's, is not found here
        same: Any = pc.equal(self.ids.take(at).take(each), ids)
        named: pa.Array[Any] = pc.if_else(same.fill_null(False), self.names.take(at).take(each), None)
        out, start = [], 0
        for c, _ in columns:
            out.append(named.slice(start, len(c)))
            start += len(c)
        return out


class NamesCache:
    """One :class:`SubjectNames` per store, rebuilt when the store records a batch; kept beside a store file."""

    def __init__(self) -> None:
        self._built: tuple[int, SubjectNames] | None = None

    def get(self, con: duckdb.DuckDBPyConnection, batch: int, store_path: Path | None) -> SubjectNames:
        if self._built is not None and self._built[0] == batch:
            return self._built[1]
        directory = batch_directory(store_path, _WHAT, batch) if store_path is not None else None
        names = SubjectNames.open(directory) if directory is not None else None
        if names is None:
            names = SubjectNames.read(con)
            if directory is not None:
                with contextlib.suppress(OSError):  # a read-only folder: answer from memory all the same
                    if not directory.exists():
                        names.save(directory)
                    forget_other_batches(directory.parent, directory)
                names = SubjectNames.open(directory) or names  # the page cache holds them, not this process
        self._built = (batch, names)
        return names
