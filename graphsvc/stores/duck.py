"""Small DuckDB helpers shared by the embedded store and the loaders' validation.

DuckDB 2 refuses new work on a connection while a result is unfinished, so every statement here is
consumed completely; Arrow results go through relations to avoid an extra copy of large results, except
where a statement's planning costs more than copying what it returns (:func:`fetch_arrow_planned_once`).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import duckdb
import pyarrow as pa


def fetch_all(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    return con.execute(sql, params or {}).fetchall()


def fetch_value(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> Any:
    rows = fetch_all(con, sql, params)
    return rows[0][0] if rows else None


def fetch_arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
    table: pa.Table = con.sql(sql, params=params or None).to_arrow_table()
    return table


# DuckDB's advice on the DB-API path, which fetch_arrow_planned_once takes knowingly: ignored for this module's
# calls only, once for the process (``warnings.catch_warnings`` around each call would not be thread-safe, and
# the API runs store calls on several threads).
warnings.filterwarnings(
    "ignore",
    message="Arrow output on a DB-API result makes an extra copy",
    category=UserWarning,
    module=re.escape(__name__),
)


def fetch_arrow_planned_once(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> pa.Table:
    """Like :func:`fetch_arrow`, for a large statement with a small result (the rules' evaluation): a relation
    plans its statement twice (once to learn its columns, once to run), which for a statement of many CTEs costs
    several milliseconds; the DB-API result plans it once, and copies the rows once more."""
    table: pa.Table | None = con.execute(sql, params or {}).to_arrow_table()
    if table is None:  # a statement that returns no result (not a query): none of the callers' statements
        raise duckdb.InvalidInputException(f"no result to fetch from: {sql[:80]}")
    return table
