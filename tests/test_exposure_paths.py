"""Related-party exposure and paths between subjects on the embedded store, scores checked by hand."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache
from graphsvc.analytics.exposure import exposure, exposure_on, reach
from graphsvc.analytics.paging import encode_cursor
from graphsvc.analytics.paths import shortest_paths, simple_paths
from graphsvc.context import build_context
from graphsvc.errors import InputError, ProfileError
from graphsvc.profiles import ExposureSettings, load_profile
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)
DEFAULT = ExposureSettings()


def _load(s: Scenario, tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "x.duckdb")
    load_directory(s.write(tmp_path / "in"), store)
    return store


def _expose(s: Scenario, tmp_path: Path, subject: str, **kw: Any) -> dict[str, Any]:
    store = _load(s, tmp_path)
    graph = AdjacencyCache().get(store, AS_OF)
    entries = store.entries_in_force(build_context(load_profile("default"), AS_OF))
    kw.setdefault("settings", DEFAULT)
    return exposure(graph, entries, subject, **kw)


def _graph(s: Scenario, tmp_path: Path) -> Adjacency:
    return AdjacencyCache().get(_load(s, tmp_path), AS_OF)


def _scores(report: dict[str, Any]) -> dict[str, float]:
    return {item["entry_id"]: item["score"] for item in report["items"]}


# -- exposure ------------------------------------------------------------------------------------------------------


def test_scores_by_hand(tmp_path: Path) -> None:
    s = Scenario()
    firm, boss, other, parent = s.org("目标公司"), s.person("法人"), s.org("关联公司"), s.org("母公司")
    s.role(boss, "legal_representative", firm)
    s.role(boss, "director", other)
    s.role(parent, "shareholder", firm, ratio=60)
    own = s.entry(firm, "abnormal_operation", severity="general", entry_id="E-own")
    s.entry(boss, "court_defaulter", entry_id="E-boss")  # serious by default
    s.entry(other, "black", entry_id="E-other")  # serious
    s.entry(parent, "major_tax_case", severity="fairly_serious", entry_id="E-parent")
    report = _expose(s, tmp_path, firm)
    assert _scores(report) == {
        own: pytest.approx(1.0),  # general 1.0 x 0.5^0
        "E-boss": pytest.approx(2.0),  # serious 4.0 x 0.5^1 x legal_representative 1.0
        "E-parent": pytest.approx(0.6),  # fairly_serious 2.0 x 0.5^1 x shareholder 1.0 x 60/100
        "E-other": pytest.approx(0.6),  # serious 4.0 x 0.5^2 x legal_representative 1.0 x director 0.6
    }
    assert report["total"] == pytest.approx(4.2)  # 1.0 + 2.0 + 0.6 + 0.6
    assert report["level"] == "red"  # 4.2 >= 4.0
    assert [i["entry_id"] for i in report["items"]] == [
        "E-boss",
        own,
        "E-other",
        "E-parent",
    ]  # by score, then entry_id
    far = next(i for i in report["items"] if i["entry_id"] == "E-other")
    assert far["distance"] == 2 and far["subject_id"] == other
    assert [(st["source"], st["role"], st["target"], st["direction"]) for st in far["path"]] == [
        (boss, "legal_representative", firm, "in"),
        (boss, "director", other, "out"),
    ]
    assert far["path"][0]["valid_from"] == "2015-01-01"
    parent_item = next(i for i in report["items"] if i["entry_id"] == "E-parent")
    assert parent_item["path"][0]["ratio"] == 60.0
    assert report["items"][1]["distance"] == 0 and report["items"][1]["path"] == []


def test_missing_severity_counts_as_general_and_the_strongest_shortest_path_is_used(tmp_path: Path) -> None:
    s = Scenario()
    firm, a, b, target = s.org("目标公司"), s.person("甲"), s.person("乙"), s.org("远方公司")
    s.role(a, "supervisor", firm)
    s.role(a, "supervisor", target)
    s.role(b, "legal_representative", firm)
    s.role(b, "senior_manager", target)
    s.entry(target, "focus", severity=None, entry_id="E1")
    store = _load(s, tmp_path)
    graph = AdjacencyCache().get(store, AS_OF)
    entries = store.entries_in_force(build_context(load_profile("default"), AS_OF))
    index = entries.schema.get_field_index("severity")
    entries = entries.set_column(index, "severity", pa.nulls(entries.num_rows, pa.string()))  # as a store may give
    item = exposure(graph, entries, firm, settings=DEFAULT)["items"][0]
    # general 1.0 x 0.5^2 x max(supervisor 0.4 x 0.4, legal_representative 1.0 x senior_manager 0.6) = 0.15
    assert item["severity"] is None and item["score"] == pytest.approx(0.15)
    assert [st["source"] for st in item["path"]] == [b, b]


def test_k_limits(tmp_path: Path) -> None:
    s = Scenario()
    chain = [s.org(f"第{i}公司") for i in range(4)]
    for x, y in itertools.pairwise(chain):
        s.role(x, "related_enterprise", y)
    s.entry(chain[3], "black", entry_id="E3")
    store = _load(s, tmp_path)
    graph = AdjacencyCache().get(store, AS_OF)
    entries = store.entries_in_force(build_context(load_profile("default"), AS_OF))
    assert exposure(graph, entries, chain[0], settings=DEFAULT)["items"] == []  # k=2: 3 hops away is not reached
    three = exposure(graph, entries, chain[0], k=3, settings=DEFAULT)
    assert _scores(three) == {"E3": pytest.approx(0.1715)}  # serious 4.0 x 0.5^3 x 0.7^3 = 0.5 x 0.343
    for bad in (0, 5):
        with pytest.raises(InputError, match="between 1 and 4"):
            exposure(graph, entries, chain[0], k=bad, settings=DEFAULT)


def test_reach_is_the_walk_of_exposure_by_distance(tmp_path: Path) -> None:
    s = Scenario()
    hub, boss = s.org("中心公司"), s.person("法人")
    firms = [s.org(f"子{i}公司") for i in range(5)]
    s.role(boss, "legal_representative", hub)
    for firm in firms:
        s.role(hub, "shareholder", firm, ratio=60)
    s.role(firms[0], "related_enterprise", s.org("远方公司"))
    graph = _graph(s, tmp_path)
    found = reach(graph, boss, k=2)
    by_distance = {d: sorted(graph.ids[n] for n in found.nodes[found.distance == d].tolist()) for d in (0, 1, 2)}
    assert by_distance == {0: [boss], 1: [hub], 2: sorted(firms)}
    assert (found.capped, found.truncated) == ({}, False)
    three = reach(graph, boss, k=3)
    assert len(three.nodes) == 8 and int(three.distance.max()) == 3
    capped = reach(graph, hub, k=1, expand_cap=3)
    assert capped.capped == {graph.node(hub): 6} and len(capped.nodes) == 4  # itself and 3 of its 6 neighbours
    only = reach(graph, boss, k=2, roles=["legal_representative"])
    assert sorted(graph.ids[n] for n in only.nodes.tolist()) == sorted([boss, hub])


def test_role_filter_and_expired_roles(tmp_path: Path) -> None:
    s = Scenario()
    firm, director, former, holder = s.org("目标公司"), s.person("董事"), s.person("前法人"), s.org("股东公司")
    s.role(director, "director", firm)
    s.role(former, "legal_representative", firm, until="2023-12-31")  # no longer held on the date
    s.role(holder, "shareholder", firm, ratio=50)
    s.entry(director, "court_defaulter", entry_id="E-dir")
    s.entry(former, "court_defaulter", entry_id="E-former")
    s.entry(holder, "black", entry_id="E-holder")
    everything = _expose(s, tmp_path, firm)
    assert set(_scores(everything)) == {"E-dir", "E-holder"}  # the expired role is not followed
    only = _expose(s, tmp_path / "2", firm, roles=["shareholder"])
    assert _scores(only) == {"E-holder": pytest.approx(1.0)}  # 4.0 x 0.5 x 50/100
    assert only["roles"] == ["shareholder"]
    with pytest.raises(InputError, match="unknown role type"):
        _expose(s, tmp_path / "3", firm, roles=["boss"])


def test_red_and_out_of_force_entries_are_excluded(tmp_path: Path) -> None:
    s = Scenario()
    firm, boss = s.org("目标公司"), s.person("法人")
    s.role(boss, "legal_representative", firm)
    s.entry(firm, "red", entry_id="E-red")  # a red list entry is not risk
    s.entry(boss, "black", status="revoked", status_since="2024-04-01", entry_id="E-revoked")
    s.entry(boss, "abnormal_operation", severity="general", valid_until="2024-05-01", entry_id="E-lapsed")
    s.entry(boss, "focus", severity="general", determined_on="2024-09-01", entry_id="E-future")
    s.entry(boss, "abnormal_operation", severity="general", entry_id="E-kept")
    report = _expose(s, tmp_path, firm)
    assert set(_scores(report)) == {"E-kept"}
    assert report["level"] == "green"  # 1.0 x 0.5 = 0.5 < 1.0


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("general", "green"),  # 1.0 x 0.5 = 0.5
        ("fairly_serious", "yellow"),  # 2.0 x 0.5 = 1.0: exactly the yellow threshold
        ("serious", "yellow"),  # 4.0 x 0.5 = 2.0
    ],
)
def test_levels_at_the_thresholds(tmp_path: Path, severity: str, level: str) -> None:
    s = Scenario()
    firm, boss = s.org("目标公司"), s.person("法人")
    s.role(boss, "legal_representative", firm)
    s.entry(boss, "court_defaulter", severity=severity)
    assert _expose(s, tmp_path, firm)["level"] == level


def test_red_level_exactly_at_the_threshold_and_profile_settings(tmp_path: Path) -> None:
    s = Scenario()
    firm = s.org("目标公司")
    s.entry(firm, "black")  # serious 4.0 x 0.5^0 = 4.0: exactly the red threshold
    report = _expose(s, tmp_path, firm)
    assert (report["total"], report["level"]) == (4.0, "red")
    strict = ExposureSettings(yellow_threshold=5.0, red_threshold=10.0)
    assert _expose(s, tmp_path / "2", firm, settings=strict)["level"] == "green"
    store = _load(s, tmp_path / "3")
    assert exposure_on(store, load_profile("daqing"), AS_OF, firm)["level"] == "red"
    assert load_profile("jiangsu").exposure == DEFAULT


def test_settings_are_checked(tmp_path: Path) -> None:
    assert ExposureSettings(role_weight={"director": 0.1}).role_weight["supervisor"] == 0.4  # others keep defaults
    with pytest.raises(ValueError, match="unknown role"):
        ExposureSettings(role_weight={"boss": 1.0})
    with pytest.raises(ValueError, match="below yellow_threshold"):
        ExposureSettings(yellow_threshold=5.0, red_threshold=4.0)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: x\nseed: null\nobjection_policy: suspend\nvalidity: {mode: open_ended}\n"
        "role_timing: act_date\nrules: {P1: {enabled: true}}\nexposure: {decay: 2}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match=r"exposure\.decay"):
        load_profile(str(bad))


def test_pagination_walks_every_item_once(tmp_path: Path) -> None:
    s = Scenario()
    firm = s.org("目标公司")
    for i in range(7):
        p = s.person(f"高管{i}")
        s.role(p, "senior_manager", firm)
        s.entry(p, "focus", severity="general", entry_id=f"E{i}")
    store = _load(s, tmp_path)
    graph = AdjacencyCache().get(store, AS_OF)
    entries = store.entries_in_force(build_context(load_profile("default"), AS_OF))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        report = exposure(graph, entries, firm, settings=DEFAULT, limit=3, cursor=cursor)
        seen += [i["entry_id"] for i in report["items"]]
        assert report["total"] == pytest.approx(7 * 0.3)  # 1.0 x 0.5 x senior_manager 0.6, on every page
        assert report["more"] == 7 - len(seen)
        pages += 1
        cursor = report["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == [f"E{i}" for i in range(7)]  # equal scores: by entry_id
    with pytest.raises(InputError, match="invalid cursor"):
        exposure(graph, entries, firm, settings=DEFAULT, cursor="garbage")


def test_a_long_page_and_a_short_one_read_the_same_entries_and_walks_do_not_leak_into_each_other(
    tmp_path: Path,
) -> None:
    """A page of many entries is taken from the Arrow table, a page of a few read value by value; the flags a
    walk sets are cleared for the next walk (one buffer per thread)."""
    from graphsvc.analytics import exposure as module

    s = Scenario()
    firm, other = s.org("目标公司"), s.org("另一公司")
    for i in range(module._FEW_ENTRIES + 6):
        p = s.person(f"高管{i}")
        s.role(p, "senior_manager", firm)
        s.entry(p, "focus", severity="general", entry_id=f"E{i:03d}", act_date="2024-01-02")
    s.role(s.person("监事"), "supervisor", other)
    store = _load(s, tmp_path)
    graph = AdjacencyCache().get(store, AS_OF)
    entries = store.entries_in_force(build_context(load_profile("default"), AS_OF))
    long = exposure(graph, entries, firm, settings=DEFAULT, limit=1000)["items"]
    short = [
        i
        for n in range(0, len(long), 5)
        for i in exposure(graph, entries, firm, settings=DEFAULT, limit=5, cursor=encode_cursor("exposure", n))["items"]
    ]
    assert len(long) == module._FEW_ENTRIES + 6 and short == long
    json.dumps([long, short])  # dates as JSON text on both reading paths
    first = exposure(graph, entries, other, settings=DEFAULT)
    again = [exposure(graph, entries, subject, settings=DEFAULT) for subject in (firm, other)][1]
    assert first == again and first["subjects_reached"] == 2


def test_a_hub_is_capped_and_answers(tmp_path: Path) -> None:
    s = Scenario()
    hub = s.org("超级节点")
    people = [s.org(f"股东公司{i}") for i in range(1500)]
    for p in people:
        s.role(p, "shareholder", hub, ratio=0.05)
    s.entry(people[0], "black", entry_id="E-first")
    s.entry(people[-1], "black", entry_id="E-last")  # beyond the cap in subject_id order
    store = _load(s, tmp_path)
    graph = AdjacencyCache().get(store, AS_OF)
    entries = store.entries_in_force(build_context(load_profile("default"), AS_OF))
    report = exposure(graph, entries, hub, settings=DEFAULT, expand_cap=1000)  # speed: a benchmark's job
    assert report["capped"] == [{"subject_id": hub, "edges": 1500, "followed": 1000}]
    assert set(_scores(report)) == {"E-first"}
    assert report["subjects_reached"] == 1001
    paths = shortest_paths(graph, people[0], people[1], expand_cap=1000)
    assert paths["length"] == 2 and paths["capped"] == [{"subject_id": hub, "edges": 1500, "followed": 1000}]
    # the cap is said: which one, its value and where it cut; without it the answer is whole
    assert report["complete"] is False and paths["complete"] is False
    [cut] = report["cut_by"]
    assert (cut["limit"], cut["value"], cut["subjects"], cut["more_subjects"]) == ("expand_cap", 1000, [hub], 0)
    whole = exposure(graph, entries, hub, settings=DEFAULT, expand_cap=1500)
    assert (whole["complete"], whole["cut_by"], set(_scores(whole))) == (True, [], {"E-first", "E-last"})
    beyond = shortest_paths(graph, people[0], people[-1], expand_cap=1000)
    assert (beyond["length"], beyond["no_path"], beyond["complete"]) == (None, False, False)  # not "no path"
    reached = shortest_paths(graph, people[0], people[-1], expand_cap=1500)
    assert (reached["length"], reached["complete"], reached["cut_by"]) == (2, True, [])


def test_unknown_subject(tmp_path: Path) -> None:
    s = Scenario()
    firm = s.org("目标公司")
    with pytest.raises(InputError, match="unknown subject"):
        _expose(s, tmp_path, "nobody")
    graph = _graph(s, tmp_path / "2")
    with pytest.raises(InputError, match="unknown subject"):
        shortest_paths(graph, firm, "nobody")
    with pytest.raises(InputError, match="unknown subject"):
        simple_paths(graph, "nobody", firm)


# -- paths ---------------------------------------------------------------------------------------------------------


def _diamond(tmp_path: Path) -> tuple[Adjacency, list[str]]:
    s = Scenario()
    top, left, right, bottom = s.person("甲"), s.org("左公司"), s.org("右公司"), s.org("底公司")
    s.role(top, "shareholder", left, ratio=100)
    s.role(top, "director", right)
    s.role(left, "shareholder", bottom, ratio=40)
    s.role(right, "branch_of", bottom)
    return _graph(s, tmp_path), [top, left, right, bottom]


def test_shortest_paths_in_a_diamond(tmp_path: Path) -> None:
    graph, (top, left, right, bottom) = _diamond(tmp_path)
    result = shortest_paths(graph, top, bottom)
    assert (result["length"], result["count"], result["more"], result["truncated"]) == (2, 2, 0, False)
    assert sorted(p["subjects"] for p in result["paths"]) == sorted([[top, left, bottom], [top, right, bottom]])
    via_left = next(p for p in result["paths"] if p["subjects"][1] == left)
    assert [(st["role"], st["ratio"], st["direction"]) for st in via_left["steps"]] == [
        ("shareholder", 100.0, "out"),
        ("shareholder", 40.0, "out"),
    ]
    back = shortest_paths(graph, bottom, top, limit=1)
    assert back["count"] == 2 and back["more"] == 1 and len(back["paths"]) == 1
    assert [st["direction"] for st in back["paths"][0]["steps"]] == ["in", "in"]
    only = shortest_paths(graph, top, bottom, roles=["shareholder"])
    assert [p["subjects"] for p in only["paths"]] == [[top, left, bottom]]
    short = shortest_paths(graph, top, bottom, max_length=1)
    assert (short["paths"], short["no_path"], short["complete"]) == ([], False, False)
    assert [(c["limit"], c["value"]) for c in short["cut_by"]] == [("max_length", 1)]
    assert (result["complete"], result["cut_by"], result["no_path"]) == (True, [], False)


def test_no_path_is_said_only_after_a_complete_search(tmp_path: Path) -> None:
    s = Scenario()
    a, b, c = s.org("甲公司"), s.org("乙公司"), s.org("孤岛公司")
    s.role(s.person("张三"), "legal_representative", a)
    s.role(a, "shareholder", b, ratio=10)
    graph = _graph(s, tmp_path)
    apart = shortest_paths(graph, a, c)
    assert (apart["length"], apart["no_path"], apart["complete"], apart["cut_by"]) == (None, True, True, [])
    none = simple_paths(graph, a, c)
    assert (none["count"], none["no_path"], none["complete"]) == (0, True, True)


def test_simple_paths_with_a_cycle(tmp_path: Path) -> None:
    s = Scenario()
    a, b, c, d = s.org("A公司"), s.org("B公司"), s.org("C公司"), s.org("D公司")
    s.role(a, "shareholder", b, ratio=50)
    s.role(b, "shareholder", c, ratio=50)
    s.role(c, "shareholder", a, ratio=50)  # a cycle A-B-C-A
    s.role(c, "related_enterprise", d)
    s.role(b, "shareholder", d, ratio=10)
    graph = _graph(s, tmp_path)
    result = simple_paths(graph, a, d)
    # A-B-D, A-C-D (length 2); A-B-C-D, A-C-B-D (length 3); nothing repeats a subject
    assert [p["subjects"] for p in result["paths"]] == [[a, b, d], [a, c, d], [a, b, c, d], [a, c, b, d]]
    assert (result["count"], result["more"], result["next_cursor"]) == (4, 0, None)
    assert [p["subjects"] for p in simple_paths(graph, a, d, max_length=2)["paths"]] == [[a, b, d], [a, c, d]]
    first = simple_paths(graph, a, d, limit=3)
    assert first["more"] == 1 and len(first["paths"]) == 3
    rest = simple_paths(graph, a, d, limit=3, cursor=first["next_cursor"])
    assert [p["subjects"] for p in rest["paths"]] == [[a, c, b, d]] and rest["next_cursor"] is None
    with pytest.raises(InputError, match="invalid cursor"):
        simple_paths(graph, a, d, cursor=encode_cursor("exposure", 1))  # another query's cursor
