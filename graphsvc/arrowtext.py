"""Text built set-wise over Arrow string columns: the explanations and paths of derived records.

A handful of typed wrappers around ``pyarrow.compute`` (the engine and the rule shapes' words use them), so a
template is filled for a whole table of rule rows at once instead of row by row in Python.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Text: TypeAlias = "pa.Array[Any] | pa.ChunkedArray[Any]"  # a string column
Mask: TypeAlias = "pa.Array[Any] | pa.ChunkedArray[Any]"  # a boolean column, no nulls


@cache
def _no_text() -> pa.Scalar[Any]:
    # made on first use, not at import: pyarrow's conversion of Python values imports pandas (some 0.4 s a
    # one-off command such as `graphsvc exposure` would pay for nothing)
    return pa.scalar(None, pa.string())


@cache
def _no() -> pa.Scalar[Any]:
    return pa.scalar(False, pa.bool_())


def _s(text: str) -> pa.Scalar[Any]:
    return pa.scalar(text, pa.string())


def shown(column: pa.Array[Any] | pa.ChunkedArray[Any], missing: str) -> Text:
    """A column as text (dates as YYYY-MM-DD), a missing value as ``missing``."""
    return cast(Text, pc.fill_null(pc.cast(column, pa.string()), _s(missing)))


def blank_missing(column: pa.Array[Any] | pa.ChunkedArray[Any]) -> Text:
    """Empty strings as missing values (for ``a or b``: an empty string is falsy)."""
    text = pc.cast(column, pa.string())
    return cast(Text, pc.if_else(pc.equal(text, _s("")), _no_text(), text))


def first_present(*columns: Text | str) -> Text:
    """The first value present of each row (``coalesce``)."""
    return cast(Text, pc.coalesce(*(_s(c) if isinstance(c, str) else c for c in columns)))


def concat(*parts: Text | str) -> Text:
    """Element-wise concatenation of string columns and literal strings (no part may be missing)."""
    args: list[Any] = [_s(p) if isinstance(p, str) else p for p in parts]
    return cast(Text, pc.binary_join_element_wise(*args, _s("")))


def choose(mask: Mask, yes: Text | str, no: Text | str) -> Text:
    """``yes`` where the mask holds, else ``no``."""
    return cast(Text, pc.if_else(mask, _s(yes) if isinstance(yes, str) else yes, _s(no) if isinstance(no, str) else no))


def equals(column: Text, value: str) -> Mask:
    """Whether each value equals ``value`` (a missing value does not)."""
    return cast(Mask, pc.fill_null(pc.equal(column, _s(value)), _no()))


def present(column: Text) -> Mask:
    """Whether each value is present and not empty."""
    return cast(Mask, pc.fill_null(pc.is_valid(blank_missing(column)), _no()))


def replaced(column: Text, pattern: str, by: str) -> Text:
    return pc.replace_substring(column, pattern, by)


def repeated(text: str, rows: int) -> Text:
    return cast(Text, pa.repeat(cast(Any, _s(text)), rows))


def one_of(column: Text, values: list[str]) -> Mask:
    """Whether each value is one of ``values``."""
    return cast(Mask, pc.fill_null(pc.is_in(column, value_set=pa.array(values, pa.string())), _no()))


def same(left: Text, right: Text) -> Mask:
    """Whether two columns hold the same value, two missing values included (Python's ``==`` on None)."""
    both_missing = pc.and_(pc.is_null(left), pc.is_null(right))
    return cast(Mask, pc.fill_null(pc.or_kleene(pc.equal(left, right), both_missing), _no()))


def split_first(column: Text, separator: str, within: str) -> tuple[Text, npt.NDArray[np.int64]]:
    """Each value split on ``separator`` into its non-empty parts, each part cut at its first ``within``: the
    parts' first pieces and the row each came from (``[p.split(within, 1)[0] for p in v.split(separator) if p]``)."""
    parts: Any = pc.split_pattern(column, separator)
    parts = parts.combine_chunks() if isinstance(parts, pa.ChunkedArray) else parts
    flat: Any = pc.list_flatten(parts)
    kept: Any = pc.not_equal(flat, _s(""))
    firsts: Any = pc.list_element(pc.split_pattern(flat, within, max_splits=1), 0)
    owners: Any = pc.filter(pc.list_parent_indices(parts), kept)
    return cast(Text, pc.filter(firsts, kept)), np.asarray(owners.to_numpy(zero_copy_only=False), dtype=np.int64)


def joined(parts: Text, counts: npt.NDArray[np.int64], separator: str) -> Text:
    """Consecutive runs of ``parts`` (``counts`` per row) joined by ``separator``, one value per row."""
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
    flat: Any = parts.combine_chunks() if isinstance(parts, pa.ChunkedArray) else parts
    return cast(Text, pc.binary_join(pa.ListArray.from_arrays(offsets, flat), _s(separator)))
