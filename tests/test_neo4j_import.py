"""The bulk path: files for `neo4j-admin database import full` make a graph that answers like `load` does.

neo4j-admin itself cannot run here, so the test imports the files the way neo4j-admin reads them (typed header
columns, :ID/:START_ID/:END_ID id spaces, :LABEL, :TYPE, empty cell = no property) into the Bolt server, then
evaluates with the Neo4j store and compares with the embedded store.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graphsvc.cli import main
from graphsvc.engine import evaluate
from graphsvc.profiles import load_profile
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.bolt_server import BoltServer
from tests.scenario import Scenario

# The property that identifies a node of each id space once imported (neo4j-admin stores a named ID column).
ID_PROPERTY = {
    "Subject": "subject_id",
    "SubjectVersion": "version_id",
    "Entry": "entry_id",
    "EntryVersion": "version_id",
}


def _convert(kind: str, text: str) -> Any:
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "localdatetime":
        return dt.datetime.fromisoformat(text)
    if kind == "long":
        return int(text)
    if kind == "double":
        return float(text)
    return text


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _import(files: Path, driver: neo4j.Driver, database: str) -> None:
    """A small stand-in for neo4j-admin: nodes first, then relationships."""
    nodes = ["subjects", "subject_versions", "entries", "entry_versions", "batches"]
    relationships = ["subject_version_edges", "entry_version_edges", "roles", "responsibilities"]
    with driver.session(database=database) as session:
        for name in nodes:
            header, rows = _read(files / f"{name}.csv")
            for row in rows:
                props: dict[str, Any] = {}
                label = ""
                for column, cell in zip(header, row, strict=True):
                    field, _, kind = column.partition(":")
                    if column == ":LABEL":
                        label = cell
                    elif kind.startswith("ID") and field and cell:
                        props[field] = cell
                    elif field and cell:
                        props[field] = _convert(kind, cell)
                session.run(f"CREATE (n:{label}) SET n = $props", props=props).consume()
        for name in relationships:
            header, rows = _read(files / f"{name}.csv")
            for row in rows:
                props = {}
                start = end = rel_type = ""
                start_group = end_group = ""
                for column, cell in zip(header, row, strict=True):
                    field, _, kind = column.partition(":")
                    if kind.startswith("START_ID"):
                        start, start_group = cell, kind[len("START_ID(") : -1]
                    elif kind.startswith("END_ID"):
                        end, end_group = cell, kind[len("END_ID(") : -1]
                    elif column == ":TYPE":
                        rel_type = cell
                    elif field and cell:
                        props[field] = _convert(kind, cell)
                session.run(
                    f"MATCH (a:{start_group} {{{ID_PROPERTY[start_group]}: $start}}) "
                    f"MATCH (b:{end_group} {{{ID_PROPERTY[end_group]}: $end}}) "
                    f"CREATE (a)-[r:{rel_type}]->(b) SET r = $props",
                    start=start,
                    end=end,
                    props=props,
                ).consume()


@pytest.fixture
def rich_scenario(tmp_path: Path) -> Path:
    s = Scenario()
    firm, other = s.org("大庆某某石化有限公司"), s.org("大庆另一家有限公司")
    hospital = s.org("大庆市第三人民医院", kind="public_institution")
    lr, director, defaulter = s.person("张伟"), s.person("李娜"), s.person("钱多")
    s.role(lr, "legal_representative", firm)
    s.role(lr, "legal_representative", other, since="2024-05-01")
    s.role(director, "director", firm)
    s.role(defaulter, "legal_representative", hospital)
    s.role(firm, "related_enterprise", other)
    s.role(director, "actual_controller", other)
    black = s.entry(firm, "black")
    s.entry(firm, "serious_illegal")
    s.entry(defaulter, "court_defaulter", domain="judicial")
    for domain in ("tax", "finance", "environment"):
        s.entry(other, "focus", severity="general", domain=domain)
    s.finding(director, black)
    return s.write(tmp_path / "in")


def test_imported_files_answer_like_a_load(
    tmp_path: Path, rich_scenario: Path, neo4j_clean: BoltServer, bolt_driver: neo4j.Driver
) -> None:
    out = io.StringIO()
    files = tmp_path / "import"
    assert main(["export-neo4j-import", str(rich_scenario), str(files)], out=out) == 0
    assert "neo4j-admin database import full" in out.getvalue()
    _import(files, bolt_driver, neo4j_clean.database)
    as_of = dt.date(2024, 6, 30)
    settings = Neo4jSettings(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password, neo4j_clean.database)
    with Neo4jStore(settings) as neo, EmbeddedStore(tmp_path / "e.duckdb") as emb:
        load_directory(rich_scenario, emb)
        expected = evaluate(emb, load_profile("default"), as_of, persist=False).records.to_pylist()
        got = evaluate(neo, load_profile("default"), as_of, persist=False).records.to_pylist()
        assert got == expected
        assert {r["rule"] for r in got} >= {"P1", "P5", "P6", "P8", "W1"}
        stats = neo.stats()
        assert {k: v for k, v in stats.items() if k != "derived"} == {
            k: v for k, v in emb.stats().items() if k != "derived"
        }
        # loading the same canonical files on top of the import changes nothing: the models agree
        again = load_directory(rich_scenario, neo).result
        assert again is not None and sum(again.inserted.values()) == 0


def test_export_refuses_invalid_input_like_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "subjects.csv").write_text("subject_id,kind,name\nP1,robot,张伟\n", encoding="utf-8")
    assert main(["export-neo4j-import", str(directory), str(tmp_path / "out")], out=io.StringIO()) == 1
    assert "unknown subject kind" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
