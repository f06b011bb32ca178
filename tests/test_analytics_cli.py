"""The investigator commands end to end: exposure, paths, groups, ownership, and subgraph export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest

from graphsvc.cli import main
from tests.bolt_server import free_port
from tests.scenario import Scenario


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    s = Scenario()
    firm, sister, parent = s.org("甲公司"), s.org("乙公司"), s.org("母公司")
    boss = s.person("张伟")
    s.role(boss, "legal_representative", firm)
    s.role(boss, "legal_representative", sister)
    s.role(parent, "shareholder", firm, ratio=60)
    s.entry(sister, "black")
    db = ["--db", str(tmp_path / "a.duckdb")]
    assert main(["load", str(s.write(tmp_path / "in")), *db], out=io.StringIO()) == 0
    return db, {"firm": firm, "sister": sister, "parent": parent, "boss": boss}


def _run(args: list[str]) -> dict[str, object] | list[object]:
    out = io.StringIO()
    assert main(args, out=out) == 0
    result: dict[str, object] | list[object] = json.loads(out.getvalue())
    return result


def test_exposure_reaches_the_sister_firm_through_the_shared_legal_representative(
    loaded: tuple[list[str], dict[str, str]],
) -> None:
    db, ids = loaded
    report = _run(["exposure", ids["firm"], *db, "--as-of", "2024-06-30", "--k", "2"])
    assert isinstance(report, dict)
    items = report["items"]
    assert isinstance(items, list)
    assert [(i["subject_id"], i["distance"]) for i in items] == [(ids["sister"], 2)]
    assert report["level"] in {"green", "yellow", "red"}
    k1 = _run(["exposure", ids["firm"], *db, "--as-of", "2024-06-30", "--k", "1"])
    assert isinstance(k1, dict) and k1["items"] == []


def test_paths_and_groups(loaded: tuple[list[str], dict[str, str]]) -> None:
    db, ids = loaded
    shortest = _run(["paths", ids["firm"], ids["sister"], *db, "--as-of", "2024-06-30"])
    assert isinstance(shortest, dict) and shortest["length"] == 2
    group = _run(["groups", ids["firm"], *db, "--as-of", "2024-06-30"])
    assert isinstance(group, dict)
    members = {m["subject_id"] for m in group["members"]}  # type: ignore[union-attr]
    assert {ids["firm"], ids["sister"], ids["parent"]} <= members  # shared LR; majority holding


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".json"])
def test_export_writes_a_subgraph_networkx_reads(
    loaded: tuple[list[str], dict[str, str]], tmp_path: Path, suffix: str
) -> None:
    db, ids = loaded
    target = tmp_path / f"sub{suffix}"
    _run(["ownership", ids["firm"], *db, "--as-of", "2024-06-30", "--export", str(target)])
    if suffix == ".graphml":
        graph = nx.read_graphml(target)
    elif suffix == ".gexf":
        graph = nx.read_gexf(target)
    else:
        graph = nx.node_link_graph(json.loads(target.read_text(encoding="utf-8")))
    assert {ids["firm"], ids["parent"]} <= set(graph.nodes)
    assert graph.number_of_edges() == 1


def test_unknown_export_format_and_unreachable_neo4j_are_reported(
    loaded: tuple[list[str], dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, ids = loaded
    assert main(["ownership", ids["firm"], *db, "--export", str(tmp_path / "x.pdf")], out=io.StringIO()) == 2
    assert "use a .graphml, .gexf or .json" in capsys.readouterr().err
    # The analytics run on Neo4j too (tests/test_analytics_parity.py); without a server the error names the URI.
    uri = f"bolt://127.0.0.1:{free_port()}"
    assert main(["--store", "neo4j", "--neo4j-uri", uri, "paths", ids["firm"], ids["sister"]], out=io.StringIO()) == 1
    assert f"cannot reach a Neo4j server at {uri}" in capsys.readouterr().err


def test_a_cut_answer_is_said_on_stderr(
    loaded: tuple[list[str], dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    db, ids = loaded
    short = _run(["paths", ids["firm"], ids["sister"], *db, "--as-of", "2024-06-30", "--max-length", "1"])
    assert isinstance(short, dict)
    assert (short["length"], short["no_path"], short["complete"]) == (None, False, False)
    assert "incomplete answer: cut by max_length = 1" in capsys.readouterr().err
    whole = _run(["paths", ids["firm"], ids["sister"], *db, "--as-of", "2024-06-30"])
    assert isinstance(whole, dict) and whole["complete"] is True
    assert "incomplete" not in capsys.readouterr().err
