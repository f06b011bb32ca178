"""Enterprise groups and subgraph export on the embedded store, checked by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa
import pytest

from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache
from graphsvc.analytics.export import subgraph_from_report, write_subgraph
from graphsvc.analytics.groups import MAX_GROUP_LINKS, group_of, groups
from graphsvc.analytics.ownership import penetrate, penetration_report
from graphsvc.analytics.paging import decode_cursor
from graphsvc.context import build_context
from graphsvc.errors import InputError
from graphsvc.profiles import load_profile
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)


def _load(s: Scenario, tmp_path: Path) -> tuple[Adjacency, pa.Table]:
    store = EmbeddedStore(tmp_path / "g.duckdb")
    load_directory(s.write(tmp_path / "in"), store)
    graph = AdjacencyCache().get(store, AS_OF)
    entries = store.entries_in_force(build_context(load_profile("default"), AS_OF))
    store.close()
    return graph, entries


def _member_ids(report: dict[str, Any]) -> list[str]:
    return [m["subject_id"] for m in report["members"]]


def _all_groups(graph: Adjacency, entries: pa.Table, **kw: Any) -> list[list[str]]:
    """Every group (as its members) by walking group_of from each listed group id."""
    listed = groups(graph, entries, limit=1000, **kw)["groups"]
    return [_member_ids(group_of(graph, entries, g["group_id"], limit=1000)) for g in listed]


def test_shared_legal_representative(tmp_path: Path) -> None:
    s = Scenario()
    p, a, b, c = s.person("张三"), s.org("甲公司"), s.org("乙公司"), s.org("丙公司")
    s.role(p, "legal_representative", a)
    s.role(p, "legal_representative", b)
    graph, entries = _load(s, tmp_path)
    report = group_of(graph, entries, b)
    assert sorted(_member_ids(report)) == sorted([a, b])
    assert report["group"]["members"] == 2
    links = {m["subject_id"]: m["links"] for m in report["members"]}
    assert links[a] == [
        {
            "kind_of_link": "shared_legal_representative",
            "via": {"subject_id": p, "kind": "person", "name": "张三"},
            "edge": {
                "source": p,
                "role": "legal_representative",
                "target": a,
                "ratio": None,
                "valid_from": "2015-01-01",
                "valid_to": None,
            },
        }
    ]
    assert _member_ids(group_of(graph, entries, c)) == [c]  # alone
    with pytest.raises(InputError, match="enterprises"):
        group_of(graph, entries, p)  # persons are evidence, not members


def test_shared_actual_controller(tmp_path: Path) -> None:
    s = Scenario()
    boss, a, b = s.person("实控人"), s.org("甲公司"), s.org("乙公司")
    holding = s.org("控股集团")
    c, d = s.org("丙公司"), s.org("丁公司")
    s.role(boss, "actual_controller", a)
    s.role(boss, "actual_controller", b)
    s.role(holding, "actual_controller", c)  # a controller that is itself an enterprise
    s.role(holding, "actual_controller", d)
    graph, entries = _load(s, tmp_path)
    assert sorted(_member_ids(group_of(graph, entries, a))) == sorted([a, b])
    assert sorted(_member_ids(group_of(graph, entries, c))) == sorted([c, d])
    assert _member_ids(group_of(graph, entries, holding)) == [holding]  # sharing is the link, not controlling
    kinds = {link["kind_of_link"] for m in group_of(graph, entries, a)["members"] for link in m["links"]}
    assert kinds == {"shared_actual_controller"}


def test_majority_holding_links_and_chains(tmp_path: Path) -> None:
    s = Scenario()
    parent, child, grandchild = s.org("母公司"), s.org("子公司"), s.org("孙公司")
    s.role(parent, "shareholder", child, ratio=51)
    s.role(child, "shareholder", grandchild, ratio=100)
    graph, entries = _load(s, tmp_path)
    report = group_of(graph, entries, grandchild)
    assert sorted(_member_ids(report)) == sorted([parent, child, grandchild])
    child_links = next(m["links"] for m in report["members"] if m["subject_id"] == child)
    assert {(link["kind_of_link"], link["via"]["source"], link["via"]["target"]) for link in child_links} == {
        ("majority_shareholding", child, grandchild),  # it holds a majority of one
        ("majority_shareholding", parent, child),  # and is majority-held by another
    }


def test_no_group_through_half_holdings_expired_roles_or_directors(tmp_path: Path) -> None:
    s = Scenario()
    a, b, c, d, e, f = (s.org(n) for n in ("甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司"))
    p, q, r = s.person("李四"), s.person("王五"), s.person("赵六")
    person_holder = s.person("大股东")
    s.role(a, "shareholder", b, ratio=50)  # not a strict majority
    s.role(q, "legal_representative", c)
    s.role(q, "legal_representative", d, until="2023-12-31")  # expired before the date
    s.role(r, "director", e)  # directors link nothing
    s.role(r, "director", f)
    s.role(p, "legal_representative", a, since="2025-01-01")  # not yet held
    s.role(p, "legal_representative", f, since="2025-01-01")
    s.role(person_holder, "shareholder", c, ratio=90)  # a person is never a member
    s.role(person_holder, "shareholder", d, ratio=90)
    graph, entries = _load(s, tmp_path)
    for firm in (a, b, c, d, e, f):
        assert _member_ids(group_of(graph, entries, firm)) == [firm]
    assert groups(graph, entries)["groups"] == []
    assert groups(graph, entries, min_size=1)["total"] == 6


def test_group_entries_are_listed_per_member(tmp_path: Path) -> None:
    s = Scenario()
    p, a, b = s.person("孙八"), s.org("甲公司"), s.org("乙公司")
    s.role(p, "legal_representative", a)
    s.role(p, "legal_representative", b)
    black = s.entry(a, "black")
    s.entry(b, "serious_illegal")
    s.entry(b, "abnormal_operation")
    s.entry(b, "black", status="revoked", status_since="2024-04-01")  # no longer in force
    s.entry(p, "court_defaulter")  # the person's own entry: not a member's
    graph, entries = _load(s, tmp_path)
    report = group_of(graph, entries, a)
    assert report["group"]["entries"] == 3
    assert report["group"]["list_types"] == {"abnormal_operation": 1, "black": 1, "serious_illegal": 1}
    carried = {m["subject_id"]: [(x["entry_id"], x["list_type"]) for x in m["entries"]] for m in report["members"]}
    assert carried[a] == [(black, "black")]
    assert sorted(t for _, t in carried[b]) == ["abnormal_operation", "serious_illegal"]
    first = report["members"][0]["entries"][0]
    assert isinstance(first["determined_on"], str)  # JSON-ready
    json.dumps(report, ensure_ascii=False)
    [listed] = groups(graph, entries)["groups"]
    assert (listed["members"], listed["entries"]) == (2, 3)
    assert listed["list_types"] == report["group"]["list_types"]


def test_pagination_walks_every_group_once(tmp_path: Path) -> None:
    s = Scenario()
    expected: list[set[str]] = []
    for i in range(7):  # groups of sizes 2, 3, ..., 8 joined through one legal representative each
        p = s.person(f"代表{i}")
        firms = [s.org(f"公司{i}-{j}") for j in range(i + 2)]
        for firm in firms:
            s.role(p, "legal_representative", firm)
        expected.append(set(firms))
    s.org("独立公司")
    graph, entries = _load(s, tmp_path)
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = groups(graph, entries, limit=3, cursor=cursor)
        assert page["total"] == 7
        seen.extend(page["groups"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            assert page["more"] == 0
            break
        assert page["more"] == 7 - len(seen)
    assert pages == 3
    assert [g["members"] for g in seen] == [8, 7, 6, 5, 4, 3, 2]
    assert len({g["group_id"] for g in seen}) == 7
    assert [set(m) for m in _all_groups(graph, entries)] == expected[::-1]
    # Members page the same way.
    big = seen[0]["group_id"]
    members: list[str] = []
    cursor = None
    while True:
        page = group_of(graph, entries, big, limit=3, cursor=cursor)
        members.extend(_member_ids(page))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert members == sorted(expected[-1])
    with pytest.raises(InputError, match="cursor"):
        groups(graph, entries, cursor="nonsense")


def test_hub_representative_groups_many_firms_with_capped_evidence(tmp_path: Path) -> None:
    s = Scenario()
    hub = s.person("挂名法人")
    firms = [s.org(f"空壳{i}公司") for i in range(MAX_GROUP_LINKS + 30)]
    for firm in firms:
        s.role(hub, "legal_representative", firm)
    graph, entries = _load(s, tmp_path)
    [group] = groups(graph, entries)["groups"]
    assert group["members"] == len(firms)
    assert len(group["links"]) == MAX_GROUP_LINKS
    assert group["more_links"] == 30
    assert {link["via"]["subject_id"] for link in group["links"]} == {hub}
    listing = groups(graph, entries)
    assert listing["complete"] is False  # the group's evidence was capped, and the answer says where
    assert [(c["limit"], c["value"], c["subjects"]) for c in listing["cut_by"]] == [
        ("max_group_links", MAX_GROUP_LINKS, [group["group_id"]])
    ]
    report = group_of(graph, entries, firms[5], limit=10)
    assert len(report["members"]) == 10
    assert report["more"] == len(firms) - 10
    assert (report["complete"], report["cut_by"]) == (True, [])  # a page is not a cut: the cursor gives the rest
    assert decode_cursor("group", report["next_cursor"]) == 10  # cursors are opaque: they decode to the offset


def _penetration(tmp_path: Path) -> tuple[Adjacency, dict[str, Any], dict[str, str]]:
    s = Scenario()
    p, q = s.person("张三"), s.person("李四")
    a, b, c = s.org("甲公司"), s.org("乙公司"), s.org("丙公司")
    s.role(p, "shareholder", a, ratio=60)
    s.role(p, "shareholder", c, ratio=100)
    s.role(a, "shareholder", b, ratio=40)
    s.role(c, "shareholder", b, ratio=30)
    s.role(q, "shareholder", b, ratio=30, since=None)
    graph, _ = _load(s, tmp_path)
    return graph, penetration_report(graph, penetrate(graph, b)), {"p": p, "q": q, "a": a, "b": b, "c": c}


def test_subgraph_from_a_penetration_report(tmp_path: Path) -> None:
    graph, report, ids = _penetration(tmp_path)
    g = subgraph_from_report(graph, report)
    assert set(g.nodes) == set(ids.values())
    assert g.number_of_edges() == 5  # each edge once, though p's paths repeat a -> b and c -> b
    assert g.nodes[ids["a"]] == {"kind": "enterprise", "name": "甲公司", "label": "甲公司"}
    [attrs] = g.get_edge_data(ids["p"], ids["a"]).values()
    assert attrs == {"role": "shareholder", "ratio": 60.0, "valid_from": "2015-01-01"}
    assert g.get_edge_data(ids["q"], ids["b"])[0] == {"role": "shareholder", "ratio": 30.0}  # no dates: none kept


def _read(path: Path, fmt: str) -> nx.MultiDiGraph[str]:
    if fmt == "graphml":
        return nx.MultiDiGraph(nx.read_graphml(path, force_multigraph=True))
    if fmt == "gexf":
        return nx.MultiDiGraph(nx.read_gexf(path))  # a DiGraph when no edge is parallel
    return nx.MultiDiGraph(nx.node_link_graph(json.loads(path.read_text(encoding="utf-8"))))


def _edges(g: nx.MultiDiGraph[str]) -> list[tuple[str, str, dict[str, Any]]]:
    rows = [(u, v, {k: x for k, x in d.items() if k != "id"}) for u, v, d in g.edges(data=True)]  # gexf adds ids
    return sorted(rows, key=lambda r: (r[0], r[1], json.dumps(r[2], sort_keys=True)))


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_export_round_trip(tmp_path: Path, fmt: str) -> None:
    graph, report, ids = _penetration(tmp_path)
    g = subgraph_from_report(graph, report)
    path = write_subgraph(g, tmp_path / f"out.{fmt}", fmt)
    back = _read(path, fmt)
    assert set(back.nodes) == set(g.nodes)
    assert back.number_of_edges() == g.number_of_edges()
    for node in g.nodes:
        assert back.nodes[node] == g.nodes[node]
    assert back.nodes[ids["p"]]["name"] == "张三"  # Chinese names survive
    assert _edges(back) == _edges(g)
    if fmt == "json":
        assert "张三" in path.read_text(encoding="utf-8")  # not \u-escaped


def test_export_a_group_with_entries(tmp_path: Path) -> None:
    s = Scenario()
    p, a, b = s.person("周九"), s.org("甲公司"), s.org("乙公司")
    s.role(p, "legal_representative", a)
    s.role(p, "legal_representative", b)
    s.role(p, "shareholder", a, ratio=10)  # parallel to p's legal_representative edge into a
    e1 = s.entry(a, "black")
    e2 = s.entry(a, "abnormal_operation")
    graph, entries = _load(s, tmp_path)
    g = subgraph_from_report(graph, group_of(graph, entries, a))
    assert set(g.nodes) == {p, a, b}
    assert g.number_of_edges() == 2  # the shareholding links nothing, so the report does not show it
    g.add_edge(p, a, role="shareholder", ratio=10.0)
    assert g.nodes[a]["entry_count"] == 2
    assert g.nodes[a]["entry_ids"] == ",".join(sorted([e1, e2]))
    assert g.nodes[a]["list_types"] == "abnormal_operation,black"
    assert "entry_count" not in g.nodes[b]
    back = nx.read_graphml(write_subgraph(g, tmp_path / "group.graphml", "graphml"), force_multigraph=True)
    assert back.nodes[a]["entry_count"] == 2
    assert back.number_of_edges(p, a) == 2
    assert nx.read_gexf(write_subgraph(g, tmp_path / "group.gexf", "gexf")).number_of_edges(p, a) == 2
    with pytest.raises(InputError, match="format"):
        write_subgraph(g, tmp_path / "x.dot", "dot")
