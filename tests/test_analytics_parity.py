"""The investigator analytics answer identically on the embedded and the Neo4j store (the analytics parity suite).

One world of small scenarios (cycles, diamonds, cross-holdings, expired and zero-ratio holdings, parallel role
versions, a hub beyond the expansion cap, a long chain for k and depth limits, enterprise groups with a hub
representative, and subject ids whose UTF-16 order differs from their code-point order) is loaded once into an
embedded store and, through the Neo4j store, into the Bolt server's emptied database. ``graph_on`` must give the
same tables (columns, Arrow types, rows in order) whatever the page size, and every analytics query (exposure,
shortest and simple paths, penetration up and down, controller candidates, groups, subgraph export) must give
the same JSON answer on both. One test drives a command line with ``--store neo4j``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa
import pytest

from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache, inputs_on
from graphsvc.analytics.export import subgraph_from_report
from graphsvc.analytics.exposure import exposure
from graphsvc.analytics.groups import MAX_GROUP_LINKS, group_of, groups
from graphsvc.analytics.ownership import controller_candidates, penetrate, penetration_report
from graphsvc.analytics.paths import shortest_paths, simple_paths
from graphsvc.cli import main
from graphsvc.profiles import load_profile
from graphsvc.stores.base import GRAPH_ROLE_SCHEMA, GRAPH_SUBJECT_SCHEMA
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.bolt_server import BoltServer
from tests.conftest import PARITY, empty_database
from tests.scenario import Scenario

pytestmark = pytest.mark.skipif(not PARITY, reason="GRAPHSVC_TEST_STORES=embedded: the Neo4j store is not under test")

AS_OF = dt.date(2024, 6, 30)
DATES = (AS_OF, dt.date(2023, 6, 30), dt.date(2010, 1, 1))  # today's roles; an expired role still held; no dates
PAGE = 25  # subjects per graph_on page on the Neo4j store: the world spans a dozen pages
HUB_CAP = 25  # the exposure hub has more shareholders than this expansion cap
PROFILE = load_profile("default")


@dataclasses.dataclass
class World:
    embedded: EmbeddedStore
    neo4j: Neo4jStore
    ids: dict[str, str]
    settings: Neo4jSettings
    built: dict[dt.date, tuple[tuple[Adjacency, pa.Table], tuple[Adjacency, pa.Table]]] = dataclasses.field(
        default_factory=dict
    )

    def graphs(self, as_of: dt.date = AS_OF) -> tuple[tuple[Adjacency, pa.Table], tuple[Adjacency, pa.Table]]:
        """(adjacency, entries in force) on each store, embedded first; read once per date (the data never
        changes in this module)."""
        if as_of not in self.built:
            self.built[as_of] = inputs_on(self.embedded, PROFILE, as_of), inputs_on(self.neo4j, PROFILE, as_of)
        return self.built[as_of]

    def same(self, query: Callable[[Adjacency, pa.Table], Any], as_of: dt.date = AS_OF) -> Any:
        """The answer of ``query`` on each store's graph; asserts they are equal and returns it."""
        (eg, ee), (ng, ne) = self.graphs(as_of)
        embedded, neo = query(eg, ee), query(ng, ne)
        assert _json(neo) == _json(embedded)
        return embedded


def _json(value: Any) -> Any:
    """The answer as the command line prints it (dates as ISO strings), for an exact comparison."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=lambda v: v.isoformat()))


def _world() -> tuple[Scenario, dict[str, str]]:
    s = Scenario()
    ids: dict[str, str] = {}

    def name(key: str, subject: str) -> str:
        ids[key] = subject
        return subject

    # Ownership: a chain, a diamond, a cycle (A owns B owns A), cross-holdings, expired and zero-ratio holdings.
    p1, a1, b1 = name("chain_p", s.person("张三")), name("chain_a", s.org("甲公司")), name("chain_b", s.org("乙公司"))
    s.role(p1, "shareholder", a1, ratio=60)
    s.role(a1, "shareholder", b1, ratio=50)
    p2, a2, c2, b2 = s.person("李四"), s.org("左公司"), s.org("右公司"), name("diamond_b", s.org("底公司"))
    s.role(p2, "shareholder", a2, ratio=100)
    s.role(p2, "shareholder", c2, ratio=100)
    s.role(a2, "shareholder", b2, ratio=40)
    s.role(c2, "shareholder", b2, ratio=30)
    p3, a3, b3 = s.person("王五"), name("cycle_a", s.org("环甲公司")), name("cycle_b", s.org("环乙公司"))
    s.role(a3, "shareholder", b3, ratio=50)
    s.role(b3, "shareholder", a3, ratio=20)
    s.role(p3, "shareholder", a3, ratio=80)
    p4, q4, a4, b4 = s.person("赵六"), s.person("钱七"), name("cross_a", s.org("交叉甲公司")), s.org("交叉乙公司")
    s.role(a4, "shareholder", b4, ratio=30)
    s.role(b4, "shareholder", a4, ratio=30)
    s.role(p4, "shareholder", a4, ratio=70)
    s.role(q4, "shareholder", b4, ratio=70)
    b5 = name("expired_b", s.org("过期公司"))
    s.role(name("gone", s.person("孙八")), "shareholder", b5, ratio=40, until="2023-12-31")
    s.role(name("zero", s.person("周九")), "shareholder", b5, ratio=0)
    s.role(s.person("吴十"), "shareholder", b5, ratio=25)
    s.role(s.person("郑一"), "director", b5)
    # Controllers: declared, majority chain, largest ultimate holder.
    boss, parent, firm = s.person("实控人"), s.org("母公司"), name("controlled", s.org("目标公司"))
    s.role(boss, "shareholder", parent, ratio=90)
    s.role(parent, "shareholder", firm, ratio=60)
    s.role(s.person("小股东"), "shareholder", firm, ratio=40)
    s.role(s.person("申报实控人"), "actual_controller", firm)
    # A 13-level chain of full holdings (depth caps) joined to the chain above by a related enterprise.
    levels = [s.org(f"第{i}层公司") for i in range(13)]
    for upper, lower in itertools.pairwise(levels[::-1]):
        s.role(upper, "shareholder", lower, ratio=100)
    s.role(levels[0], "related_enterprise", b1)
    ids["deep_bottom"], ids["deep_top"] = levels[0], levels[-1]
    # Exposure: scored entries along role paths, a red entry, a revoked one, parallel role versions.
    target, lr, other = name("exposed", s.org("风险公司")), name("lr", s.person("法人")), s.org("关联公司")
    s.role(lr, "legal_representative", target)
    s.role(lr, "director", other)
    s.role(lr, "director", target, since=None)  # two versions of one role, one without valid_from
    s.role(lr, "director", target, since="2020-01-01")
    s.role(lr, "shareholder", target, ratio=10)  # a parallel edge of another role
    s.role(parent, "shareholder", target, ratio=60)
    s.entry(target, "abnormal_operation", severity="general", entry_id="E-own")
    s.entry(lr, "court_defaulter", entry_id="E-lr")
    s.entry(other, "black", entry_id="E-other")
    s.entry(parent, "major_tax_case", severity="fairly_serious", entry_id="E-parent")
    s.entry(target, "red", entry_id="E-red")
    s.entry(lr, "black", status="revoked", status_since="2024-04-01", entry_id="E-revoked")
    s.entry(b1, "focus", severity=None, entry_id="E-chain")
    s.entry(levels[-1], "black", entry_id="E-deep")
    # A diamond for paths, and a cycle with a tail for simple paths.
    top, left, right, bottom = s.person("甲"), s.org("左路公司"), s.org("右路公司"), s.org("汇合公司")
    s.role(top, "shareholder", left, ratio=100)
    s.role(top, "director", right)
    s.role(left, "shareholder", bottom, ratio=40)
    s.role(right, "branch_of", bottom)
    ids |= {"top": top, "bottom": bottom}
    a, b, c, d = s.org("A公司"), s.org("B公司"), s.org("C公司"), s.org("D公司")
    s.role(a, "shareholder", b, ratio=50)
    s.role(b, "shareholder", c, ratio=50)
    s.role(c, "shareholder", a, ratio=50)
    s.role(c, "related_enterprise", d)
    s.role(b, "shareholder", d, ratio=10)
    ids |= {"loop_a": a, "loop_d": d}
    # A hub with more shareholders than the expansion cap.
    hub = name("hub", s.org("超级节点"))
    holders = [s.org(f"小股东公司{i:02d}") for i in range(HUB_CAP + 15)]
    for holder in holders:
        s.role(holder, "shareholder", hub, ratio=0.05)
    s.entry(holders[0], "black", entry_id="E-first")
    s.entry(holders[-1], "black", entry_id="E-last")
    ids |= {"hub_first": holders[0], "hub_second": holders[1], "hub_last": holders[-1]}
    # Groups: shared legal representative, shared actual controller (a person, an enterprise), majority chain,
    # and links that are none (a 50 % holding, an expired representative, directors, a future role).
    rep, ga, gb = s.person("代表人"), name("group_a", s.org("群甲公司")), s.org("群乙公司")
    s.role(rep, "legal_representative", ga)
    s.role(rep, "legal_representative", gb)
    s.entry(ga, "black")
    s.entry(gb, "serious_illegal")
    s.entry(gb, "abnormal_operation")
    controller, holding = s.person("共同实控人"), s.org("控股集团")
    gc, gd, ge, gf = (s.org(n) for n in ("群丙公司", "群丁公司", "群戊公司", "群己公司"))
    s.role(controller, "actual_controller", gc)
    s.role(controller, "actual_controller", gd)
    s.role(holding, "actual_controller", ge)
    s.role(holding, "actual_controller", gf)
    s.role(gd, "shareholder", ga, ratio=51)  # joins the two groups
    mother, child, grandchild = s.org("集团母公司"), s.org("集团子公司"), name("grandchild", s.org("集团孙公司"))
    s.role(mother, "shareholder", child, ratio=51)
    s.role(child, "shareholder", grandchild, ratio=100)
    s.role(mother, "shareholder", s.org("半数公司"), ratio=50)
    former = s.person("前代表人")
    s.role(former, "legal_representative", child, until="2023-12-31")
    s.role(former, "legal_representative", s.org("旧关联公司"), until="2023-12-31")
    future = s.person("未来代表人")
    s.role(future, "legal_representative", ge, since="2025-01-01")
    s.role(future, "legal_representative", gc, since="2025-01-01")
    shell_rep = name("shell_rep", s.person("挂名法人"))
    shells = [s.org(f"空壳{i:03d}公司") for i in range(MAX_GROUP_LINKS + 30)]
    for shell in shells:
        s.role(shell_rep, "legal_representative", shell)
    s.entry(shells[7], "focus", severity="general")
    ids["shell"] = shells[5]
    # Subject ids whose UTF-16 order (Cypher's) differs from their code-point order (DuckDB's, Arrow's, Python's).
    astral, bmp, shared = s.person("星"), s.person("月"), name("shared", s.org("共享公司"))
    for row in s.subjects:
        if row["subject_id"] == astral:
            row["subject_id"] = "P\U0001f600"
        elif row["subject_id"] == bmp:
            row["subject_id"] = "P\uffff"
    ids |= {"astral": "P\U0001f600", "bmp": "P\uffff"}
    for person in (ids["astral"], ids["bmp"]):
        s.role(person, "legal_representative", shared)
        s.role(person, "legal_representative", ga)
    s.entry(ids["astral"], "court_defaulter")
    return s, ids


@pytest.fixture(scope="module")
def world(bolt_server: BoltServer, bolt_driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("analytics_parity")
    scenario, ids = _world()
    directory = scenario.write(root / "in")
    empty_database(bolt_driver, bolt_server)
    settings = Neo4jSettings(bolt_server.uri, bolt_server.user, bolt_server.password, bolt_server.database, PAGE)
    with EmbeddedStore(root / "world.duckdb") as embedded, Neo4jStore(settings) as neo:
        for store in (embedded, neo):
            load_directory(directory, store)
        yield World(embedded, neo, ids, settings)


def _subjects(world: World) -> list[str]:
    return [str(x) for x in world.embedded.graph_on(AS_OF)[0].column("subject_id").to_pylist()]


# -- the graph on a date -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [3, 8, PAGE, 10_000])
def test_graph_on_is_the_same_table_on_both_stores(world: World, page: int) -> None:
    settings = dataclasses.replace(world.settings, batch_size=page)
    with Neo4jStore(settings) as neo:
        for day in DATES if page in (8, 10_000) else (AS_OF,):
            embedded, on_neo4j = world.embedded.graph_on(day), neo.graph_on(day)
            for e, n in zip(embedded, on_neo4j, strict=True):
                assert n.schema.equals(e.schema), f"schemas differ:\n neo4j    {n.schema}\n embedded {e.schema}"
                assert n.to_pylist() == e.to_pylist()
    subjects, roles = world.embedded.graph_on(AS_OF)
    ids = subjects.column("subject_id").to_pylist()
    assert ids == sorted(ids) and ids.index("P\uffff") < ids.index("P\U0001f600")  # code points, not UTF-16
    rows = roles.to_pylist()
    assert len(rows) > 200
    keys = [(r["source_id"], r["role"], r["target_id"], r["valid_from"] or dt.date.max) for r in rows]
    assert keys == sorted(keys)  # GRAPH_ROLE_ORDER, a missing valid_from last
    held = {(r["source_id"], r["target_id"]) for r in rows}
    assert (world.ids["gone"], world.ids["expired_b"]) not in held  # expired on the date
    assert (world.ids["gone"], world.ids["expired_b"]) in {
        (r["source_id"], r["target_id"]) for r in world.neo4j.graph_on(dt.date(2023, 6, 30))[1].to_pylist()
    }


def test_graph_on_has_the_canonical_columns_even_when_empty(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for subjects, roles in (world.embedded.graph_on(AS_OF), world.neo4j.graph_on(AS_OF)):
        assert subjects.schema.equals(GRAPH_SUBJECT_SCHEMA) and roles.schema.equals(GRAPH_ROLE_SCHEMA)
    with EmbeddedStore(tmp_path / "empty.duckdb") as empty:
        empty_subjects, empty_roles = empty.graph_on(AS_OF)
    monkeypatch.setattr(world.neo4j, "_subject_pages", lambda name, params: iter(()))  # a server with no subject
    neo_subjects, neo_roles = world.neo4j.graph_on(AS_OF)
    assert empty_subjects.num_rows == empty_roles.num_rows == neo_subjects.num_rows == neo_roles.num_rows == 0
    assert neo_subjects.schema.equals(empty_subjects.schema) and neo_roles.schema.equals(empty_roles.schema)


# -- exposure ------------------------------------------------------------------------------------------------------


def test_exposure_of_every_subject(world: World) -> None:
    settings = PROFILE.exposure
    answers = [world.same(lambda g, e, x=x: exposure(g, e, x, settings=settings)) for x in _subjects(world)]
    assert sum(a["count"] for a in answers) > 50
    exposed = world.same(lambda g, e: exposure(g, e, world.ids["exposed"], settings=settings))
    assert {i["entry_id"] for i in exposed["items"]} >= {"E-own", "E-lr", "E-other", "E-parent"}
    assert "E-red" not in {i["entry_id"] for i in exposed["items"]} and exposed["level"] == "red"


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_exposure_k_limits_roles_and_pages(world: World, k: int) -> None:
    settings = PROFILE.exposure
    for key in ("exposed", "chain_b", "deep_bottom", "group_a", "astral"):
        world.same(lambda g, e, key=key: exposure(g, e, world.ids[key], k=k, settings=settings))
        world.same(lambda g, e, key=key: exposure(g, e, world.ids[key], k=k, roles=["shareholder"], settings=settings))
    cursor = None
    while True:
        page = world.same(
            lambda g, e, c=cursor: exposure(g, e, world.ids["exposed"], k=k, limit=2, cursor=c, settings=settings)
        )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    for day in DATES[1:]:
        world.same(lambda g, e: exposure(g, e, world.ids["expired_b"], k=k, settings=settings), day)


def test_exposure_of_a_hub_beyond_the_cap(world: World) -> None:
    report = world.same(lambda g, e: exposure(g, e, world.ids["hub"], settings=PROFILE.exposure, expand_cap=HUB_CAP))
    assert report["capped"] == [{"subject_id": world.ids["hub"], "edges": HUB_CAP + 15, "followed": HUB_CAP}]
    assert {i["entry_id"] for i in report["items"]} == {"E-first"}


# -- paths -----------------------------------------------------------------------------------------------------------


def test_shortest_paths(world: World) -> None:
    ids = world.ids
    pairs = [
        ("top", "bottom"),
        ("bottom", "top"),
        ("chain_p", "deep_top"),
        ("exposed", "controlled"),
        ("lr", "exposed"),  # parallel edges: one path per role version
        ("astral", "bmp"),
        ("group_a", "grandchild"),  # not connected
        ("hub_first", "hub_second"),
        ("hub_first", "hub_last"),
        ("loop_a", "loop_d"),
    ]
    for a, b in pairs:
        for options in ({}, {"limit": 1}, {"roles": ["shareholder"]}, {"max_length": 2}, {"expand_cap": HUB_CAP}):
            world.same(lambda g, e, a=a, b=b, o=options: shortest_paths(g, ids[a], ids[b], **o))
    lr = world.same(lambda g, e: shortest_paths(g, ids["lr"], ids["exposed"]))
    assert lr["count"] == 4  # legal_representative, two director versions, shareholder
    between = world.same(lambda g, e: shortest_paths(g, ids["astral"], ids["bmp"]))
    assert [p["subjects"][1] for p in between["paths"]] == sorted(p["subjects"][1] for p in between["paths"])
    capped = world.same(lambda g, e: shortest_paths(g, ids["hub_first"], ids["hub_second"], expand_cap=HUB_CAP))
    assert capped["capped"] and capped["length"] == 2
    beyond = world.same(lambda g, e: shortest_paths(g, ids["hub_first"], ids["hub_last"], expand_cap=HUB_CAP))
    assert beyond["length"] is None  # the last shareholder is beyond the cap, in subject_id order


def test_simple_paths(world: World) -> None:
    ids = world.ids
    for a, b in [("loop_a", "loop_d"), ("top", "bottom"), ("lr", "controlled"), ("astral", "group_a")]:
        for max_length in (2, 3, 4, 5):
            cursor = None
            while True:
                page = world.same(
                    lambda g, e, a=a, b=b, m=max_length, c=cursor: simple_paths(
                        g, ids[a], ids[b], max_length=m, limit=2, cursor=c
                    )
                )
                cursor = page["next_cursor"]
                if cursor is None:
                    break
    loop = world.same(lambda g, e: simple_paths(g, ids["loop_a"], ids["loop_d"]))
    assert loop["count"] == 4


# -- ownership -----------------------------------------------------------------------------------------------------


def test_penetration_up_and_down_of_every_subject(world: World) -> None:
    for subject in _subjects(world):
        for direction in ("up", "down"):
            world.same(lambda g, e, x=subject, d=direction: penetration_report(g, penetrate(g, x, d), limit=5))  # type: ignore[arg-type]
    ids = world.ids
    for options in ({"max_depth": 3}, {"threshold": 6.0}, {"max_depth": 12}):
        world.same(lambda g, e, o=options: penetration_report(g, penetrate(g, ids["deep_bottom"], "up", **o)))  # type: ignore[arg-type]
    percents = {
        key: {
            h["subject_id"]: h["percent"]
            for h in world.same(lambda g, e, k=key: penetration_report(g, penetrate(g, ids[k], "up")))["holdings"]
        }
        for key in ("cycle_a", "cycle_b", "diamond_b", "expired_b", "cross_a")
    }
    assert percents["cycle_b"][ids["cycle_a"]] == 50.0 and ids["cycle_b"] not in percents["cycle_b"]
    assert sorted(percents["diamond_b"].values()) == [30.0, 40.0, 70.0]
    assert list(percents["expired_b"].values()) == [25.0]  # expired and zero-ratio holdings carry nothing
    assert sorted(percents["cross_a"].values()) == [21.0, 30.0, 70.0]
    world.same(lambda g, e: penetration_report(g, penetrate(g, ids["expired_b"], "up")), dt.date(2023, 6, 30))


def test_controller_candidates_of_every_subject(world: World) -> None:
    for subject in _subjects(world):
        world.same(lambda g, e, x=subject: controller_candidates(g, x))
        world.same(lambda g, e, x=subject: controller_candidates(g, x, ultimate_threshold=10.0, max_depth=3))
    found = world.same(lambda g, e: controller_candidates(g, world.ids["controlled"]))
    assert [c["method"] for c in found] == ["explicit", "majority_chain", "largest_ultimate_holder"]


# -- groups and export -----------------------------------------------------------------------------------------------


def test_groups_and_the_group_of_every_enterprise(world: World) -> None:
    for min_size in (1, 2, 3):
        cursor = None
        while True:
            page = world.same(lambda g, e, m=min_size, c=cursor: groups(g, e, min_size=m, limit=3, cursor=c))
            cursor = page["next_cursor"]
            if cursor is None:
                break
    (graph, _), _ = world.graphs()
    enterprises = [x for x, kind in zip(graph.ids, graph.kinds, strict=True) if kind == "enterprise"]
    for subject in enterprises:
        world.same(lambda g, e, x=subject: group_of(g, e, x, limit=4))
    shells = world.same(lambda g, e: group_of(g, e, world.ids["shell"], limit=10))
    assert shells["group"]["members"] == MAX_GROUP_LINKS + 30 and shells["more"] == MAX_GROUP_LINKS + 20
    listed = world.same(lambda g, e: groups(g, e, limit=1))["groups"][0]
    assert listed["more_links"] == 30
    for day in DATES[1:]:
        world.same(lambda g, e: groups(g, e, min_size=1, limit=100), day)


def test_exported_subgraphs(world: World) -> None:
    ids = world.ids

    def exported(report: Callable[[Adjacency, pa.Table], Any]) -> Callable[[Adjacency, pa.Table], Any]:
        return lambda g, e: nx.node_link_data(subgraph_from_report(g, report(g, e)))

    world.same(exported(lambda g, e: penetration_report(g, penetrate(g, ids["diamond_b"]))))
    world.same(exported(lambda g, e: group_of(g, e, ids["group_a"])))
    world.same(exported(lambda g, e: exposure(g, e, ids["exposed"], k=3, settings=PROFILE.exposure)))


# -- whether an answer was cut ----------------------------------------------------------------------------------------


def _cuts(report: dict[str, Any]) -> dict[str, tuple[float, list[str]]]:
    """Which caps or limits cut an answer (limit -> value, subjects where it cut); empty when it is complete."""
    assert report["complete"] is (not report["cut_by"])
    return {c["limit"]: (c["value"], c["subjects"]) for c in report["cut_by"]}


def test_answers_say_when_they_were_cut(world: World) -> None:
    ids = world.ids
    hub = ids["hub"]
    capped = world.same(lambda g, e: exposure(g, e, hub, settings=PROFILE.exposure, expand_cap=HUB_CAP))
    assert _cuts(capped) == {"expand_cap": (HUB_CAP, [hub])} and not capped["complete"]
    whole = world.same(lambda g, e: exposure(g, e, hub, settings=PROFILE.exposure, expand_cap=HUB_CAP + 15))
    assert whole["complete"] and _cuts(whole) == {}
    assert {i["entry_id"] for i in whole["items"]} == {"E-first", "E-last"}

    # shortest paths: "no path" only when the search was complete
    beyond = world.same(lambda g, e: shortest_paths(g, ids["hub_first"], ids["hub_last"], expand_cap=HUB_CAP))
    assert (beyond["length"], beyond["no_path"], _cuts(beyond)) == (None, False, {"expand_cap": (HUB_CAP, [hub])})
    found = world.same(lambda g, e: shortest_paths(g, ids["hub_first"], ids["hub_last"]))
    assert (found["length"], found["complete"]) == (2, True)
    apart = world.same(lambda g, e: shortest_paths(g, ids["group_a"], ids["grandchild"]))
    assert (apart["length"], apart["no_path"], apart["complete"]) == (None, True, True)
    short = world.same(lambda g, e: shortest_paths(g, ids["chain_p"], ids["deep_top"], max_length=2))
    assert (short["no_path"], _cuts(short)) == (False, {"max_length": (2, [])})
    assert _cuts(world.same(lambda g, e: shortest_paths(g, ids["chain_p"], ids["deep_top"]))) == {
        "max_length": (6, [])  # the default: deep_top lies 15 steps away
    }
    far = world.same(lambda g, e: shortest_paths(g, ids["chain_p"], ids["deep_top"], max_length=20))
    assert (far["length"], far["complete"]) == (15, True)

    simple = world.same(lambda g, e: simple_paths(g, ids["hub_first"], ids["hub_last"], expand_cap=HUB_CAP))
    assert (simple["count"], simple["no_path"], _cuts(simple)) == (0, False, {"expand_cap": (HUB_CAP, [hub])})
    every = world.same(lambda g, e: simple_paths(g, ids["loop_a"], ids["loop_d"]))
    assert (every["count"], every["complete"], every["no_path"]) == (4, True, False)

    # ownership: the depth cap cuts where a path stopped with owners beyond it
    deep = world.same(lambda g, e: penetration_report(g, penetrate(g, ids["deep_bottom"], "up", max_depth=3)))
    [(value, [where])] = _cuts(deep).values()
    assert list(_cuts(deep)) == ["max_depth"] and value == 3
    assert where == next(h["subject_id"] for h in deep["holdings"] if h["depth"] == 3)
    top = world.same(lambda g, e: penetration_report(g, penetrate(g, ids["deep_bottom"], "up", max_depth=12)))
    assert top["complete"] and top["holdings"][-1]["subject_id"] == ids["deep_top"]

    # groups: membership is whole; evidence is capped, and says so
    listed = world.same(lambda g, e: groups(g, e, limit=1))
    assert _cuts(listed) == {"max_group_links": (MAX_GROUP_LINKS, [listed["groups"][0]["group_id"]])}
    second = world.same(lambda g, e: groups(g, e, limit=1, cursor=listed["next_cursor"]))
    assert second["groups"][0]["more_links"] == 0 and second["complete"]
    assert world.same(lambda g, e: group_of(g, e, ids["grandchild"]))["complete"]


def test_the_adjacency_cache_follows_the_store(world: World) -> None:
    cache = AdjacencyCache()
    first = cache.get(world.neo4j, AS_OF)
    assert cache.get(world.neo4j, AS_OF) is first  # same batch: no second read
    embedded = AdjacencyCache().get(world.embedded, AS_OF)
    assert (list(first.ids), list(first.roles), first.source.tolist(), first.target.tolist()) == (
        list(embedded.ids),
        list(embedded.roles),
        embedded.source.tolist(),
        embedded.target.tolist(),
    )


# -- the command line ------------------------------------------------------------------------------------------------


def _cli(args: list[str]) -> Any:
    out = io.StringIO()
    assert main(args, out=out) == 0
    return json.loads(out.getvalue())


def test_cli_analytics_on_neo4j(world: World) -> None:
    s = world.settings
    flags = [
        "--store",
        "neo4j",
        "--neo4j-uri",
        s.uri,
        "--neo4j-user",
        s.user,
        f"--neo4j-password={s.password}",  # one argument: a password may begin with "-"
    ]
    flags += ["--neo4j-database", s.database]
    target = world.ids["exposed"]
    report = _cli([*flags, "exposure", target, "--as-of", AS_OF.isoformat(), "--k", "3", "--limit", "3"])
    (graph, entries), _ = world.graphs()
    assert report == _json(exposure(graph, entries, target, k=3, settings=PROFILE.exposure, limit=3))
    assert report["subject"]["subject_id"] == target and report["more"] > 0
    paths = _cli([*flags, "paths", world.ids["top"], world.ids["bottom"], "--as-of", AS_OF.isoformat()])
    assert paths == _json(shortest_paths(graph, world.ids["top"], world.ids["bottom"]))
