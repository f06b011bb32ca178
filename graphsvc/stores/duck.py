"""Small DuckDB helpers shared by the embedded store and the loaders' validation.

DuckDB 2 refuses new work on a connection while a result is unfinished, so every statement here is
consumed completely; Arrow results go through relations to avoid an extra copy of large results.
"""

from __future__ import annotations

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
