"""Bulk path for large initial Neo4j loads: ``neo4j-admin database import full`` CSV files.

The canonical input is validated and loaded into an embedded store first (same rules as ``graphsvc load``);
this module then writes, straight from DuckDB, node and relationship files in the graph model the Neo4j store
uses (graphsvc/stores/neo4j.py), so the imported database answers exactly like one filled with
``graphsvc --store neo4j load``. Constraints are created by the Neo4j store when it first connects.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from graphsvc.stores.embedded import EmbeddedStore

_TS = "strftime({col}, '%Y-%m-%dT%H:%M:%S.%f')"  # localdatetime in the format neo4j-admin reads


def _ts(column: str) -> str:
    return _TS.format(col=column)


# file name -> (kind, SELECT producing the header row's columns). Column names carry neo4j-admin types.
_FILES: dict[str, tuple[str, str]] = {
    "subjects.csv": (
        "nodes",
        """SELECT DISTINCT subject_id AS "subject_id:ID(Subject)", 'Subject' AS ":LABEL" FROM subjects""",
    ),
    "subject_versions.csv": (
        "nodes",
        f"""SELECT subject_id || '@' || batch_id AS "version_id:ID(SubjectVersion)", subject_id, kind, name, uscc,
                   id_number, region, batch_id AS "batch_id:long", {_ts("recorded_at")} AS "recorded_at:localdatetime",
                   {_ts("superseded_at")} AS "superseded_at:localdatetime", 'SubjectVersion' AS ":LABEL"
            FROM subjects""",
    ),
    "subject_version_edges.csv": (
        "relationships",
        """SELECT subject_id AS ":START_ID(Subject)", subject_id || '@' || batch_id AS ":END_ID(SubjectVersion)",
                  'VERSION' AS ":TYPE" FROM subjects""",
    ),
    "entries.csv": (
        "nodes",
        """SELECT DISTINCT entry_id AS "entry_id:ID(Entry)", 'Entry' AS ":LABEL" FROM entries""",
    ),
    "entry_versions.csv": (
        "nodes",
        f"""SELECT entry_id || '@' || batch_id AS "version_id:ID(EntryVersion)", entry_id, subject_id, list_type,
                   domain, severity, department, act_date AS "act_date:date", determined_on AS "determined_on:date",
                   valid_until AS "valid_until:date", status, status_since AS "status_since:date", scope,
                   legal_basis, act_date_precision, determined_on_precision, valid_until_precision,
                   status_since_precision, published_by, published_on AS "published_on:date",
                   batch_id AS "batch_id:long",
                   {_ts("recorded_at")} AS "recorded_at:localdatetime",
                   {_ts("superseded_at")} AS "superseded_at:localdatetime", 'EntryVersion' AS ":LABEL"
            FROM entries""",
    ),
    "entry_version_edges.csv": (
        "relationships",
        """SELECT entry_id AS ":START_ID(Entry)", entry_id || '@' || batch_id AS ":END_ID(EntryVersion)",
                  'VERSION' AS ":TYPE" FROM entries""",
    ),
    "roles.csv": (
        "relationships",
        f"""SELECT source_id AS ":START_ID(Subject)", target_id AS ":END_ID(Subject)", 'ROLE' AS ":TYPE", role,
                   ratio AS "ratio:double", valid_from AS "valid_from:date", valid_to AS "valid_to:date",
                   title, valid_from_precision, valid_to_precision, batch_id AS "batch_id:long",
                   {_ts("recorded_at")} AS "recorded_at:localdatetime",
                   {_ts("superseded_at")} AS "superseded_at:localdatetime"
            FROM roles""",
    ),
    "responsibilities.csv": (
        "relationships",
        f"""SELECT person_id AS ":START_ID(Subject)", entry_id AS ":END_ID(Entry)", 'RESPONSIBLE_FOR' AS ":TYPE",
                   basis, batch_id AS "batch_id:long", {_ts("recorded_at")} AS "recorded_at:localdatetime",
                   {_ts("superseded_at")} AS "superseded_at:localdatetime"
            FROM findings""",
    ),
    "batches.csv": (
        "nodes",
        f"""SELECT batch_id AS ":ID(Batch)", batch_id AS "batch_id:long", {_ts("recorded_at")}
                   AS "recorded_at:localdatetime", source, subjects AS "subjects:long", roles AS "roles:long",
                   entries AS "entries:long", findings AS "findings:long", 'Batch' AS ":LABEL"
            FROM batches""",
    ),
}


def write_import_files(store: EmbeddedStore, out_dir: Path) -> dict[str, int]:
    """Write the import CSVs into ``out_dir``; returns rows per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return {name: store.export_csv(sql, out_dir / name) for name, (_, sql) in _FILES.items()}


def import_command(out_dir: Path, database: str = "neo4j") -> str:
    """The neo4j-admin command line for these files (run it with the database stopped)."""
    parts = ["neo4j-admin", "database", "import", "full", "--overwrite-destination"]
    for name, (kind, _) in _FILES.items():
        parts.append(f"--{kind}={out_dir / name}")
    parts.append(database)
    return " ".join(shlex.quote(p) for p in parts)
