"""Ownership penetration and actual-controller candidates on the embedded store, checked by hand."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from graphsvc.analytics.adjacency import AdjacencyCache
from graphsvc.analytics.ownership import controller_candidates, penetrate, penetration_report
from graphsvc.cli import main
from graphsvc.errors import InputError
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)


def _graph(s: Scenario, tmp_path: Path) -> tuple[EmbeddedStore, AdjacencyCache]:
    store = EmbeddedStore(tmp_path / "o.duckdb")
    load_directory(s.write(tmp_path / "in"), store)
    return store, AdjacencyCache()


def _percents(
    store: EmbeddedStore, cache: AdjacencyCache, subject: str, direction: str = "up", **kw: float
) -> dict[str, float]:
    graph = cache.get(store, AS_OF)
    result = penetrate(graph, subject, direction, **kw)  # type: ignore[arg-type]
    return {graph.ids[h.node]: round(h.percent, 6) for h in result.holdings.values()}


def test_chain_multiplies_ratios(tmp_path: Path) -> None:
    s = Scenario()
    p, a, b = s.person("张三"), s.org("甲公司"), s.org("乙公司")
    s.role(p, "shareholder", a, ratio=60)
    s.role(a, "shareholder", b, ratio=50)
    store, cache = _graph(s, tmp_path)
    assert _percents(store, cache, b) == {a: 50.0, p: 30.0}  # 60 % x 50 %
    report = penetration_report(cache.get(store, AS_OF), penetrate(cache.get(store, AS_OF), b))
    ultimate = {h["subject_id"]: h["ultimate"] for h in report["holdings"]}
    assert ultimate == {a: False, p: True}
    path = next(h for h in report["holdings"] if h["subject_id"] == p)["paths"][0]
    assert [(step["source"], step["target"], step["ratio"]) for step in path] == [(a, b, 50.0), (p, a, 60.0)]


def test_diamond_adds_parallel_paths(tmp_path: Path) -> None:
    s = Scenario()
    p, a, c, b = s.person("李四"), s.org("甲公司"), s.org("丙公司"), s.org("乙公司")
    s.role(p, "shareholder", a, ratio=100)
    s.role(p, "shareholder", c, ratio=100)
    s.role(a, "shareholder", b, ratio=40)
    s.role(c, "shareholder", b, ratio=30)
    store, cache = _graph(s, tmp_path)
    assert _percents(store, cache, b) == {a: 40.0, c: 30.0, p: 70.0}
    graph = cache.get(store, AS_OF)
    holding = penetrate(graph, b).holdings[graph.node(p)]
    assert holding.path_count == 2


def test_cycles_are_not_counted_twice(tmp_path: Path) -> None:
    s = Scenario()
    p, a, b = s.person("王五"), s.org("甲公司"), s.org("乙公司")
    s.role(a, "shareholder", b, ratio=50)
    s.role(b, "shareholder", a, ratio=20)  # A owns B owns A
    s.role(p, "shareholder", a, ratio=80)
    store, cache = _graph(s, tmp_path)
    assert _percents(store, cache, b) == {a: 50.0, p: 40.0}  # B itself is not its own owner
    assert _percents(store, cache, a) == {b: 20.0, p: 80.0}  # A <- B <- A is not followed


def test_cross_holdings(tmp_path: Path) -> None:
    s = Scenario()
    p, q, a, b = s.person("赵六"), s.person("钱七"), s.org("甲公司"), s.org("乙公司")
    s.role(a, "shareholder", b, ratio=30)
    s.role(b, "shareholder", a, ratio=30)
    s.role(p, "shareholder", a, ratio=70)
    s.role(q, "shareholder", b, ratio=70)
    store, cache = _graph(s, tmp_path)
    assert _percents(store, cache, a) == {b: 30.0, p: 70.0, q: 21.0}


def test_expired_and_zero_ratio_holdings_are_ignored(tmp_path: Path) -> None:
    s = Scenario()
    gone, zero, kept, b = s.person("孙八"), s.person("周九"), s.person("吴十"), s.org("乙公司")
    s.role(gone, "shareholder", b, ratio=40, until="2023-12-31")
    s.role(zero, "shareholder", b, ratio=0)
    s.role(kept, "shareholder", b, ratio=25)
    s.role(s.person("郑一"), "director", b)  # not a holding
    store, cache = _graph(s, tmp_path)
    assert _percents(store, cache, b) == {kept: 25.0}


def test_depth_cap_and_threshold(tmp_path: Path) -> None:
    s = Scenario()
    chain = [s.org(f"第{i}层公司") for i in range(13)]
    for upper, lower in zip(chain[1:], chain[:-1], strict=True):
        s.role(upper, "shareholder", lower, ratio=100)
    store, cache = _graph(s, tmp_path)
    assert len(_percents(store, cache, chain[0])) == 10  # default depth cap
    assert len(_percents(store, cache, chain[0], max_depth=3)) == 3
    graph = cache.get(store, AS_OF)
    cut = penetration_report(graph, penetrate(graph, chain[0], "up", max_depth=3))
    assert cut["complete"] is False
    assert [(c["limit"], c["value"], c["subjects"]) for c in cut["cut_by"]] == [("max_depth", 3, [chain[3]])]
    whole = penetration_report(graph, penetrate(graph, chain[0], "up", max_depth=12))
    assert (whole["complete"], whole["cut_by"], len(whole["holdings"])) == (True, [], 12)
    exact = penetration_report(graph, penetrate(graph, chain[0], "up", max_depth=11))
    assert exact["complete"] is False and exact["cut_by"][0]["subjects"] == [chain[11]]
    s2 = Scenario()
    p, a, b = s2.person("冯二"), s2.org("甲公司"), s2.org("乙公司")
    s2.role(p, "shareholder", a, ratio=10)
    s2.role(a, "shareholder", b, ratio=50)
    store2, cache2 = _graph(s2, tmp_path / "2")
    assert _percents(store2, cache2, b, threshold=6) == {a: 50.0}  # P holds 5 % through A: below 6 %


def test_downward_marks_controlled_enterprises(tmp_path: Path) -> None:
    s = Scenario()
    holding, a, b, c = s.org("控股集团"), s.org("甲公司"), s.org("乙公司"), s.org("丙公司")
    s.role(holding, "shareholder", a, ratio=80)
    s.role(a, "shareholder", b, ratio=70)
    s.role(holding, "shareholder", c, ratio=30)
    store, cache = _graph(s, tmp_path)
    graph = cache.get(store, AS_OF)
    report = penetration_report(graph, penetrate(graph, holding, "down"))
    got = {h["subject_id"]: (h["percent"], h["controlled"]) for h in report["holdings"]}
    assert got == {a: (80.0, True), b: (56.0, True), c: (30.0, False)}


def test_controller_candidates_by_method(tmp_path: Path) -> None:
    s = Scenario()
    boss, parent, firm = s.person("实控人"), s.org("母公司"), s.org("目标公司")
    declared = s.person("申报实控人")
    minority = s.person("小股东")
    s.role(boss, "shareholder", parent, ratio=90)
    s.role(parent, "shareholder", firm, ratio=60)
    s.role(minority, "shareholder", firm, ratio=40)
    s.role(declared, "actual_controller", firm)
    store, cache = _graph(s, tmp_path)
    found = controller_candidates(cache.get(store, AS_OF), firm)
    assert [(c["method"], c["subject_id"]) for c in found] == [
        ("explicit", declared),
        ("majority_chain", boss),
        ("largest_ultimate_holder", boss),  # 54 % against the minority holder's 40 %
    ]
    assert [step["source"] for step in found[1]["evidence"]] == [parent, boss]


def test_no_candidate_below_the_threshold(tmp_path: Path) -> None:
    s = Scenario()
    firm = s.org("分散持股公司")
    for i in range(5):
        s.role(s.person(f"股东{i}"), "shareholder", firm, ratio=20)
    store, cache = _graph(s, tmp_path)
    assert controller_candidates(cache.get(store, AS_OF), firm) == []


def test_the_cache_is_rebuilt_after_a_load(tmp_path: Path) -> None:
    s = Scenario()
    p, b = s.person("陈一"), s.org("乙公司")
    s.role(p, "shareholder", b, ratio=10)
    store, cache = _graph(s, tmp_path)
    assert _percents(store, cache, b) == {p: 10.0}
    q = s.person("陈二")
    s.role(q, "shareholder", b, ratio=20)
    load_directory(s.write(tmp_path / "more"), store)
    assert _percents(store, cache, b) == {p: 10.0, q: 20.0}


def test_unknown_subject_is_an_input_error(tmp_path: Path) -> None:
    s = Scenario()
    s.org("乙公司")
    store, cache = _graph(s, tmp_path)
    with pytest.raises(InputError, match="unknown subject"):
        penetrate(cache.get(store, AS_OF), "nobody")


def test_cli_ownership_and_controllers(tmp_path: Path) -> None:
    s = Scenario()
    p, a, b = s.person("张三"), s.org("甲公司"), s.org("乙公司")
    s.role(p, "shareholder", a, ratio=60)
    s.role(a, "shareholder", b, ratio=60)
    directory = s.write(tmp_path / "in")
    db = ["--db", str(tmp_path / "c.duckdb")]
    assert main(["load", str(directory), *db], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["ownership", b, *db, "--as-of", "2024-06-30", "--direction", "up"], out=out) == 0
    report = json.loads(out.getvalue())
    assert [(h["subject_id"], h["percent"]) for h in report["holdings"]] == [(a, 60.0), (p, 36.0)]
    out = io.StringIO()
    assert main(["controllers", b, *db, "--as-of", "2024-06-30"], out=out) == 0
    assert [c["method"] for c in json.loads(out.getvalue())] == ["majority_chain", "largest_ultimate_holder"]
