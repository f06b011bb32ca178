"""The names the derived records print, from the names kept per batch beside the embedded store
(graphsvc/stores/subject_names.py): the same names the subjects table gives, new ones after a load that renames,
the names known then for an evaluation as known earlier, and the subjects table again for an id the keys miss."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from graphsvc.context import build_context
from graphsvc.engine import evaluate
from graphsvc.profiles import PROFILE_NAMES, load_profile
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.embedded_rules import run_rules
from graphsvc.stores.sidecar import batch_directory
from graphsvc.stores.subject_names import SubjectNames, _buckets
from loaders.canonical import load_directory
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)
_FAR_FUTURE = dt.datetime(9999, 12, 31)


def _firm_with_leader(leader: str = "张伟", firm: str = "某某有限公司") -> tuple[Scenario, str, str]:
    """PROP-01: a black-listed enterprise's legal representative gets a personal credit record (P1)."""
    s = Scenario()
    org = s.org(firm)
    person = s.person(leader)
    s.role(person, "legal_representative", org, since="2015-01-01")
    s.entry(org, "black", act_date="2024-02-01", determined_on="2024-03-01")
    return s, org, person


def _kept(store: EmbeddedStore) -> SubjectNames:
    """The names kept for the store's batch: the second ask in a process makes them if none are kept yet."""
    names = store.subject_names() or store.subject_names()
    assert names is not None
    return names


def _p1_names(store: EmbeddedStore, known_at: dt.datetime | None = None) -> set[tuple[str, str, str]]:
    """The names P1's rows print (subject, related subject, origin); the explanations print them too."""
    context = build_context(load_profile("default"), AS_OF, known_at)
    rows = [r for r in store.run_rules(context).to_pylist() if r["rule"] == "P1"]
    records = evaluate(store, load_profile("default"), AS_OF, known_at=known_at, persist=False).records
    explanations = [r["explanation"] for r in records.to_pylist() if r["rule"] == "P1"]
    assert len(explanations) == len(rows)
    assert all(r["subject_name"] in e and r["related_name"] in e for r, e in zip(rows, explanations, strict=True))
    return {(r["subject_name"], r["related_name"], r["origin_name"]) for r in rows}


def test_a_load_that_renames_a_subject_renames_it_in_the_next_evaluation(tmp_path: Path) -> None:
    s, org, person = _firm_with_leader()
    with EmbeddedStore(tmp_path / "store.duckdb") as store:
        first = load_directory(s.write(tmp_path / "v1"), store).result
        assert first is not None
        root = tmp_path / "store.duckdb.names"
        context = build_context(load_profile("default"), AS_OF)
        once = store.run_rules(context)
        assert not root.exists()  # a batch evaluated once names its rows from the subjects table
        assert store.run_rules(context).equals(once)  # the second time from the names it keeps
        assert [p.name for p in root.iterdir()] == [f"b{first.batch_id}"]
        assert _p1_names(store) == {("张伟", "某某有限公司", "某某有限公司")}

        for subject in s.subjects:  # the registry corrects both names
            subject["name"] = {person: "张伟（更正）", org: "某某科技有限公司"}[subject["subject_id"]]
        second = load_directory(s.write(tmp_path / "v2"), store).result
        assert second is not None
        assert _p1_names(store) == {("张伟（更正）", "某某科技有限公司", "某某科技有限公司")}
        # as known after the first load: the names then (from the subjects' versions, not the kept names)
        assert _p1_names(store, known_at=first.recorded_at) == {("张伟", "某某有限公司", "某某有限公司")}
        assert [p.name for p in root.iterdir()] == [f"b{second.batch_id}"]  # the older batch's are gone


def test_a_later_process_maps_the_kept_names_which_are_private(tmp_path: Path) -> None:
    s, _, _ = _firm_with_leader()
    path = tmp_path / "store.duckdb"
    with EmbeddedStore(path) as store:
        load_directory(s.write(tmp_path / "in"), store)
        built = _kept(store)
        batch = store.last_batch_id()
    directory = batch_directory(path, "names", batch)
    assert stat.S_IMODE(directory.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()} == {0o600}
    with EmbeddedStore(path, read_only=True) as store:
        mapped = store.subject_names()  # kept by the earlier process: mapped at the first ask
        assert mapped is not None
        assert isinstance(mapped.keys.base, np.memmap)  # read from the files, not the subjects table
        assert mapped.ids.equals(built.ids) and mapped.names.equals(built.names)
        assert _p1_names(store) == {("张伟", "某某有限公司", "某某有限公司")}


def test_a_process_that_opens_the_store_anew_for_each_evaluation_makes_the_names_once(tmp_path: Path) -> None:
    """The service opens the store for each use: its evaluations of a batch count together, per store file."""
    s, _, _ = _firm_with_leader()
    path = tmp_path / "store.duckdb"
    with EmbeddedStore(path) as store:
        load_directory(s.write(tmp_path / "in"), store)
    context = build_context(load_profile("default"), AS_OF)
    with EmbeddedStore(path, read_only=True) as store:
        first = store.run_rules(context)
    assert not (tmp_path / "store.duckdb.names").exists()
    with EmbeddedStore(path, read_only=True) as store:
        assert store.run_rules(context).equals(first)
    assert len(list((tmp_path / "store.duckdb.names").iterdir())) == 1


_EVALUATE_TWICE = """
import datetime as dt, sys
from graphsvc.context import build_context
from graphsvc.profiles import load_profile
from graphsvc.stores.embedded import EmbeddedStore
with EmbeddedStore(sys.argv[1], read_only=True) as store:
    context = build_context(load_profile("default"), dt.date.fromisoformat(sys.argv[2]))
    for _ in range(2):
        print(*(r["subject_name"] for r in store.run_rules(context).to_pylist() if r["rule"] == "P1"))
"""


def _another_duckdbs(directory: Path) -> None:
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    (directory / "meta.json").write_text(json.dumps({**meta, "duckdb": "0.0.1"}), encoding="utf-8")


def _damaged(directory: Path) -> None:
    (directory / "keys.npy").write_bytes(b"not an array")


def _another_stores(directory: Path) -> None:
    """As if a store deleted since, at the same path and batch, had made them."""
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    (directory / "meta.json").write_text(json.dumps({**meta, "store": "a-deleted-store"}), encoding="utf-8")


@pytest.mark.parametrize(
    "spoil", [_another_duckdbs, _damaged, _another_stores], ids=["another DuckDB's", "damaged", "another store's"]
)
def test_kept_names_that_cannot_be_used_are_made_again(tmp_path: Path, spoil: Callable[[Path], None]) -> None:
    """Another DuckDB's hashes may differ, damaged files cannot be read, another store's name other subjects:
    none is used, all are replaced."""
    s, _, _ = _firm_with_leader()
    path = tmp_path / "store.duckdb"
    with EmbeddedStore(path) as store:
        load_directory(s.write(tmp_path / "in"), store)
        _kept(store)
        facts = store.generation().facts
        directory = batch_directory(path, "names", facts.batch)
    assert SubjectNames.open(directory, facts) is not None
    spoil(directory)
    assert SubjectNames.open(directory, facts) is None
    # a later process: its first evaluation finds the files unusable, its second makes them again
    later = subprocess.run(
        [sys.executable, "-c", _EVALUATE_TWICE, str(path), AS_OF.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    assert later.stdout.split() == ["张伟", "张伟"]
    assert SubjectNames.open(directory, facts) is not None  # replaced by readable files


def test_an_id_whose_key_leads_elsewhere_is_named_from_the_subjects(tmp_path: Path) -> None:
    """A hash shared by two ids finds the other id first: the check against the id itself catches it."""
    s, _, person = _firm_with_leader()
    with EmbeddedStore(tmp_path / "store.duckdb") as store:
        load_directory(s.write(tmp_path / "in"), store)
        names = _kept(store)
        ids = names.ids.to_pylist()
        at = ids.index(person)
        ids[at] = "P99999"  # as if another id held the person's key
        doctored = dataclasses.replace(names, ids=pa.array(ids, pa.string()))
        key = pa.chunked_array([[int(names.keys[at])]], pa.uint64())
        found = doctored.names_of((pa.chunked_array([[person]]), key))
        assert found[0].to_pylist() == [None]
        context = build_context(load_profile("default"), AS_OF)
        rows = run_rules(store._con, context, _FAR_FUTURE, doctored).to_pylist()
    assert {r["subject_name"] for r in rows if r["rule"] == "P1"} == {"张伟"}


def test_an_in_memory_store_keeps_its_names_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s, _, _ = _firm_with_leader()
    data = s.write(tmp_path / "in")
    with EmbeddedStore(":memory:") as store:
        load_directory(data, store)
        assert _p1_names(store) == {("张伟", "某某有限公司", "某某有限公司")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_the_kept_names_are_the_subjects_tables(generated_store: Path, name: str) -> None:
    context = build_context(load_profile(name), dt.date(2026, 6, 30))
    with EmbeddedStore(generated_store, read_only=True) as store:
        kept = run_rules(store._con, context, _FAR_FUTURE, _kept(store))
        looked_up = run_rules(store._con, context, _FAR_FUTURE, None)  # every name from the subjects table
    assert kept.num_rows > 0
    assert kept.equals(looked_up)
    named = [r for r in kept.to_pylist() if r["related_id"] is not None]
    assert named and all(r["related_name"] for r in named)


@pytest.mark.parametrize("size", [0, 1, 2, 1000, 4097])
def test_a_key_is_found_at_its_first_place_and_a_missing_one_nowhere(size: int) -> None:
    rng = np.random.default_rng(size)
    repeated = np.full(min(size, 3), 7, np.uint64)  # a key three ids share
    keys = np.sort(np.concatenate([rng.integers(0, 2**64 - 1, size, dtype=np.uint64), repeated]))
    ids = pa.array([f"S{i}" for i in range(len(keys))], pa.string())
    names = SubjectNames(keys, _buckets(keys), ids, ids)
    absent = np.array([0, 2**64 - 1, *rng.integers(0, 2**64 - 1, 50, dtype=np.uint64)], np.uint64)
    wanted = np.concatenate([keys, absent])
    first: dict[int, int] = {}
    for place, key in enumerate(keys.tolist()):
        first.setdefault(key, place)
    assert names.positions(wanted).tolist() == [first.get(k, -1) for k in wanted.tolist()]
