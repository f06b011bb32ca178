"""The analytics' graph as columns, kept on disk per store batch and date, and mapped by later processes."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache, saved_directory
from graphsvc.analytics.exposure import exposure
from graphsvc.analytics.groups import groups
from graphsvc.analytics.ownership import penetrate, penetration_report
from graphsvc.analytics.paths import shortest_paths
from graphsvc.context import build_context
from graphsvc.profiles import load_profile
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)
PROFILE = load_profile("default")


def _world() -> tuple[Scenario, dict[str, str]]:
    s = Scenario()
    boss, firm, sister, parent = s.person("张伟"), s.org("甲公司"), s.org("乙公司"), s.org("母公司")
    s.role(boss, "legal_representative", firm, since="2020-03-01")
    s.role(boss, "legal_representative", sister)
    s.role(parent, "shareholder", firm, ratio=60)
    s.role(s.person("李娜"), "shareholder", parent, ratio=75.5, until="2030-12-31")
    s.entry(sister, "black", entry_id="E-sister")
    s.entry(parent, "focus", severity="general", entry_id="E-parent")
    return s, {"boss": boss, "firm": firm, "sister": sister, "parent": parent}


def _answers(graph: Adjacency, store: EmbeddedStore, ids: dict[str, str]) -> list[object]:
    entries = store.entries_in_force(build_context(PROFILE, AS_OF))
    return [
        exposure(graph, entries, ids["firm"], k=3, settings=PROFILE.exposure),
        shortest_paths(graph, ids["sister"], ids["parent"]),
        penetration_report(graph, penetrate(graph, ids["firm"])),
        groups(graph, entries, min_size=1),
    ]


def test_a_later_process_maps_the_saved_graph_and_answers_the_same(tmp_path: Path) -> None:
    s, ids = _world()
    with EmbeddedStore(tmp_path / "a.duckdb") as store:
        load_directory(s.write(tmp_path / "in"), store)
        built = AdjacencyCache(keep_on_disk=False).get(store, AS_OF)
        previous = os.umask(0)  # a permissive umask: the saved graph is private all the same
        try:
            AdjacencyCache().get(store, dt.date(2020, 1, 1))
        finally:
            os.umask(previous)
        folders = [
            tmp_path / "a.duckdb.analytics",
            *(tmp_path / "a.duckdb.analytics").glob("*"),
            *(tmp_path / "a.duckdb.analytics").glob("*/*"),
        ]
        assert len(folders) == 3 and all(stat.S_IMODE(f.stat().st_mode) == 0o700 for f in folders)
        assert not built.mapped
        first = _answers(built, store, ids)
        directory = saved_directory(store, AS_OF, store.generation().batch)
        assert directory is not None and not directory.exists()
        AdjacencyCache().get(store, AS_OF)  # builds and saves
    assert directory is not None and (directory / "meta.json").exists()
    assert directory.parent.parent == tmp_path / "a.duckdb.analytics"
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in directory.iterdir())  # names: personal data
    with EmbeddedStore(tmp_path / "a.duckdb", read_only=True) as store:
        mapped = AdjacencyCache().get(store, AS_OF)
        assert mapped.mapped  # mapped from the files, not rebuilt
        assert _answers(mapped, store, ids) == first
        held = mapped.out_edges(mapped.node(ids["boss"])).tolist()
        [to_firm] = [e for e in held if mapped.ids[int(mapped.target[e])] == ids["firm"]]
        assert mapped.edge(to_firm).as_dict() == {
            "source": ids["boss"],
            "role": "legal_representative",
            "target": ids["firm"],
            "ratio": None,
            "valid_from": "2020-03-01",
            "valid_to": None,
        }
        assert mapped.describe(mapped.node(ids["boss"]))["name"] == "张伟"
        assert mapped.find("nobody") is None


def test_a_new_batch_makes_a_new_graph_and_forgets_the_old(tmp_path: Path) -> None:
    s, ids = _world()
    with EmbeddedStore(tmp_path / "a.duckdb") as store:
        load_directory(s.write(tmp_path / "in"), store)
        cache = AdjacencyCache()
        old = cache.get(store, AS_OF)
        old_dir = saved_directory(store, AS_OF, store.generation().batch)
        newcomer = s.org("新公司")
        s.role(ids["boss"], "legal_representative", newcomer)
        load_directory(s.write(tmp_path / "in2"), store)
        new = cache.get(store, AS_OF)
        new_dir = saved_directory(store, AS_OF, store.generation().batch)
    assert old_dir is not None and new_dir is not None and new_dir != old_dir
    assert new_dir.exists() and not old_dir.parent.exists()
    assert old.find(newcomer) is None and new.find(newcomer) is not None
    assert shortest_paths(new, newcomer, ids["firm"])["length"] == 2


def test_stores_without_a_file_keep_the_graph_in_memory(tmp_path: Path) -> None:
    s, ids = _world()
    with EmbeddedStore(":memory:") as store:
        load_directory(s.write(tmp_path / "in"), store)
        assert saved_directory(store, AS_OF, store.generation().batch) is None
        graph = AdjacencyCache().get(store, AS_OF)
        assert not graph.mapped
        assert shortest_paths(graph, ids["sister"], ids["firm"])["length"] == 2
    assert list(tmp_path.iterdir()) == [tmp_path / "in"]
