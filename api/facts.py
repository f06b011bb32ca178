"""Every version of the facts a subject profile shows (roles, entries, findings), indexed by subject.

On the embedded store each worker reads all versions once per load (``EmbeddedStore.fact_versions``) and keeps
them here, so a profile is a few array slices: no scan of the roles table (3 million rows at 1M subjects) and no
store connection per request. A server store (Neo4j) answers one subject's entries and findings per request
(``subject_facts``), indexed the same way, and its roles a page at a time (``subject_roles_page``: sorted, skipped
and limited on the server, api/views.py ``Views.subject_roles``), so both stores give the same answer and the
same pages.

Each table keeps the order the stores give one subject's facts in: roles by valid_from (missing first), role,
source, target, transaction time; entries by determined_on, entry, transaction time; findings by entry,
person, transaction time. A subject's rows are a slice of row positions in that order, so a page of a hub's
100,000 roles is read without sorting anything:

- roles: the roles the subject holds (``source_id``) or that are held at it (``target_id``); a role it holds at
  itself once;
- entries: every version of its entries (``subject_id``);
- findings: the findings naming it (``person_id``) or naming any version of one of its entries.

Subjects are numbered by their row in the worker's snapshot (``Snapshot.subject_rows``, api/views.py): the
index adds no table of ids of its own. Rows about a subject that is not current are not indexed; the profile
answers only for current subjects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Codes = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _BySubject:
    """Row positions grouped by subject: subject ``code``'s rows are ``rows[offsets[code]:offsets[code + 1]]``,
    in table order."""

    rows: npt.NDArray[np.int32]
    offsets: Codes

    @staticmethod
    def group(subjects: int, codes: Codes, rows: Codes) -> _BySubject:
        """From (subject code, row) pairs; a code of ``subjects`` or more is no current subject and is left out;
        a pair given twice (a role held at itself) is kept once."""
        kept = codes < subjects
        codes, rows = codes[kept], rows[kept]
        width = int(rows.max()) + 1 if rows.size else 1
        pairs = np.sort(codes * width + rows)  # by subject, then by row: the table's order
        if pairs.size:
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        counts = np.bincount(pairs // width, minlength=subjects)
        offsets = np.zeros(subjects + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return _BySubject((pairs % width).astype(np.int32), offsets)

    def of(self, code: int | None) -> npt.NDArray[np.int32]:
        if code is None:
            return self.rows[:0]
        return self.rows[self.offsets[code] : self.offsets[code + 1]]


def _lookup(values: pa.ChunkedArray[Any], subject_ids: pa.Array[Any]) -> pa.Array[Any]:
    """Each value's position in ``subject_ids`` (null for no current subject)."""
    found: pa.Array[Any] = pc.index_in(values.combine_chunks(), value_set=subject_ids)
    return found


def _codes(positions: pa.Array[Any], subject_ids: pa.Array[Any]) -> Codes:
    """Subject codes: positions in ``subject_ids``, ``len(subject_ids)`` for no current subject."""
    codes: Codes = positions.fill_null(len(subject_ids)).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes


def _compact(table: pa.Table, ids: Mapping[str, pa.Array[Any]], subject_ids: pa.Array[Any]) -> pa.Table:
    """One chunk per column and the same values at a fraction of the memory: an id column whose every value is
    a current subject points into ``subject_ids`` (``ids`` holds its positions), other text columns are
    dictionary-encoded (role names and mostly empty optional columns repeat)."""
    columns: list[pa.Array[Any]] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        positions = ids.get(name)
        if positions is not None and positions.null_count == column.null_count:
            columns.append(pa.DictionaryArray.from_arrays(positions, subject_ids))
        elif pa.types.is_string(column.type) and positions is None:
            columns.append(pc.dictionary_encode(column.combine_chunks()))
        else:
            columns.append(column.combine_chunks())
    return pa.table(columns, names=table.column_names)


def _rows(table: pa.Table, rows: npt.NDArray[np.int32]) -> list[dict[str, Any]]:
    if not rows.size:  # most subjects have no entries and no findings: no Arrow call for nothing
        return []
    taken = table.take(rows)
    if rows.size < _DECODE_FROM:
        return taken.to_pylist()
    # A page of a hub: Arrow makes Python values from plain columns at twice the speed of dictionary columns.
    plain = [_decoded(column.combine_chunks()) for column in taken.columns]
    return pa.Table.from_arrays(plain, names=taken.column_names).to_pylist()


_DECODE_FROM = 20


def _decoded(array: pa.Array[Any]) -> pa.Array[Any]:
    if isinstance(array, pa.DictionaryArray):
        values: pa.Array[Any] = array.dictionary.take(array.indices)
        return values
    return array


class SubjectFacts:
    """The indexed facts; ``subject_rows`` maps a subject id to its row in ``subject_ids``."""

    def __init__(
        self, tables: Mapping[str, pa.Table], subject_ids: pa.Array[Any], subject_rows: Mapping[str, int]
    ) -> None:
        self.subject_rows = subject_rows
        n = len(subject_ids)
        roles, entries, findings = tables["roles"], tables["entries"], tables["findings"]
        sources = _lookup(roles["source_id"], subject_ids)
        targets = _lookup(roles["target_id"], subject_ids)
        positions = np.arange(roles.num_rows, dtype=np.int64)
        self._roles = _compact(roles, {"source_id": sources, "target_id": targets}, subject_ids)
        self._roles_by = _BySubject.group(
            n,
            np.concatenate([_codes(sources, subject_ids), _codes(targets, subject_ids)]),
            np.concatenate([positions, positions]),
        )
        holders = _lookup(entries["subject_id"], subject_ids)
        self._entries = _compact(entries, {"subject_id": holders}, subject_ids)
        entry_codes = _codes(holders, subject_ids)
        self._entries_by = _BySubject.group(n, entry_codes, np.arange(entries.num_rows, dtype=np.int64))
        # A finding is about its person and about the subject of every version of its entry.
        entry_subjects = (
            pa.table({"entry_id": entries["entry_id"].combine_chunks(), "code": pa.array(entry_codes)})
            .group_by(["entry_id", "code"])
            .aggregate([])
        )
        rows = np.arange(findings.num_rows, dtype=np.int64)
        naming = pa.table({"entry_id": findings["entry_id"].combine_chunks(), "row": pa.array(rows)}).join(
            entry_subjects, "entry_id", join_type="inner"
        )
        persons = _lookup(findings["person_id"], subject_ids)
        self._findings = _compact(findings, {"person_id": persons}, subject_ids)
        self._findings_by = _BySubject.group(
            n,
            np.concatenate([_codes(persons, subject_ids), naming["code"].to_numpy().astype(np.int64)]),
            np.concatenate([rows, naming["row"].to_numpy().astype(np.int64)]),
        )

    @staticmethod
    def of_subject(subject_id: str, tables: Mapping[str, pa.Table]) -> SubjectFacts:
        """One subject's facts as a store's ``subject_facts`` answers them."""
        return SubjectFacts(tables, pa.array([subject_id], pa.string()), {subject_id: 0})

    def roles(self, subject_id: str, offset: int = 0, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """A page of the subject's role versions (from ``offset``, at most ``limit``) and how many it has."""
        rows = self._roles_by.of(self.subject_rows.get(subject_id))
        end = None if limit is None else offset + limit
        return _rows(self._roles, rows[offset:end]), int(rows.size)

    def entries(self, subject_id: str) -> list[dict[str, Any]]:
        """Every version of the subject's entries."""
        return _rows(self._entries, self._entries_by.of(self.subject_rows.get(subject_id)))

    def findings(self, subject_id: str) -> list[dict[str, Any]]:
        """Every version of the findings naming the subject or one of its entries."""
        return _rows(self._findings, self._findings_by.of(self.subject_rows.get(subject_id)))

    @property
    def nbytes(self) -> int:
        """The index's memory: its arrays and tables (an id column's dictionary is the snapshot's subject ids,
        counted once per column by Arrow)."""
        arrays = (self._roles_by, self._entries_by, self._findings_by)
        own = sum(a.rows.nbytes + a.offsets.nbytes for a in arrays)
        return own + self._roles.nbytes + self._entries.nbytes + self._findings.nbytes
