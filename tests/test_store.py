"""The embedded store: transaction time, corrections, atomic evaluations, durability across a killed process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from graphsvc.engine import evaluate
from graphsvc.errors import StoreError
from graphsvc.profiles import load_profile
from graphsvc.stores.base import Batch, Evaluation
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory
from tests.conftest import subjects_of
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)


def _p1(store: EmbeddedStore, known_at: dt.datetime | None = None) -> set[str]:
    result = evaluate(store, load_profile("daqing"), AS_OF, known_at=known_at, persist=False)
    return subjects_of(result.records.to_pylist(), "P1")


def test_corrections_supersede_and_the_past_view_stays_answerable(tmp_path: Path, store: EmbeddedStore) -> None:
    """design.md §3 Time: 'what did the lists look like on date D, as we knew it on date T'."""
    s = Scenario()
    firm = s.org("某某有限公司")
    old_lr, new_lr = s.person("旧法人"), s.person("新法人")
    s.role(old_lr, "legal_representative", firm, since="2015-01-01")
    s.entry(firm, "black", act_date="2024-02-01", determined_on="2024-03-01")
    first = load_directory(s.write(tmp_path / "v1"), store).result
    assert first is not None
    assert _p1(store) == {old_lr}

    # A registry correction: the old LR left on 2023-12-31 and the new one has served since 2024-01-01.
    s.roles.clear()
    s.role(old_lr, "legal_representative", firm, since="2015-01-01", until="2023-12-31")
    s.role(new_lr, "legal_representative", firm, since="2024-01-01")
    second = load_directory(s.write(tmp_path / "v2"), store).result
    assert second is not None
    assert second.superseded["roles"] == 1 and second.inserted["roles"] == 2
    assert _p1(store) == {new_lr}
    assert _p1(store, known_at=first.recorded_at) == {old_lr}  # as we knew it after the first load
    assert store.stats()["roles"] == 2  # the superseded version is kept, not counted as current


def test_facts_recorded_after_known_at_are_invisible(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("张伟")
    s.role(lr, "legal_representative", firm)
    first = load_directory(s.write(tmp_path / "a"), store).result
    s.entry(firm, "black")
    load_directory(s.write(tmp_path / "b"), store)
    assert first is not None
    assert _p1(store) == {lr}
    assert _p1(store, known_at=first.recorded_at) == set()


def test_evaluation_replaces_the_previous_one(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("张伟")
    s.role(lr, "legal_representative", firm)
    s.entry(firm, "black")
    load_directory(s.write(tmp_path / "in"), store)
    evaluate(store, load_profile("default"), AS_OF)
    n_default = store.stats()["derived"]
    evaluate(store, load_profile("lianping"), AS_OF)
    latest = store.latest_evaluation()
    assert latest is not None and latest.profile == "lianping"
    assert store.stats()["derived"] == latest.records.num_rows == 1 < n_default


def test_a_failed_evaluation_write_leaves_the_previous_results(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    s.role(s.person("张伟"), "legal_representative", firm)
    s.entry(firm, "black")
    load_directory(s.write(tmp_path / "in"), store)
    good = evaluate(store, load_profile("default"), AS_OF)
    broken = Evaluation("default", AS_OF, None, dt.datetime(2026, 1, 1), pa.table({"rule": ["P1"]}))
    with pytest.raises(KeyError):
        store.replace_evaluation(broken)
    latest = store.latest_evaluation()
    assert latest is not None and latest.records.num_rows == good.records.num_rows


def test_a_failed_batch_writes_nothing(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    s.org("某某有限公司")
    load_directory(s.write(tmp_path / "in"), store)
    before = store.stats()
    bad_roles = pa.table({"source_id": ["x"], "role": ["director"], "target_id": ["y"], "ratio": ["not a number"]})
    subjects = pa.table({"subject_id": ["P9"], "kind": ["person"], "name": ["某"]})
    with pytest.raises(StoreError, match=r"roles\.ratio"):
        store.apply_batch(Batch("test", {"subjects": subjects, "roles": bad_roles}))
    assert store.stats() == before


def test_committed_data_survives_reopening(tmp_path: Path) -> None:
    s = Scenario()
    s.org("某某有限公司")
    path = tmp_path / "durable.duckdb"
    with EmbeddedStore(path) as store:
        load_directory(s.write(tmp_path / "in"), store)
    with EmbeddedStore(path, read_only=True) as store:
        assert store.stats()["subjects"] == 1


@pytest.mark.slow
def test_a_killed_load_leaves_no_half_batch(tmp_path: Path) -> None:
    """Kill -9 a load at several moments: the store holds the committed batch and none or all of the next."""
    from bench.generate import generate

    committed_scenario = Scenario()
    firm = committed_scenario.org("先提交有限公司", region="110105")
    committed_scenario.role(committed_scenario.person("先提交", region="110105"), "legal_representative", firm)
    first = committed_scenario.write(tmp_path / "first")
    second = tmp_path / "second"
    generate(second, subjects=60_000, seed=2)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    outcomes: set[str] = set()
    for attempt, delay in enumerate((0.5, 1.2, 2.0, 3.0, 4.5)):
        db = tmp_path / f"kill{attempt}.duckdb"
        with EmbeddedStore(db) as store:
            load_directory(first, store)
            committed = store.stats()
        proc = subprocess.Popen(
            [sys.executable, "-m", "graphsvc.cli", "load", str(second), "--db", str(db)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with EmbeddedStore(db) as store:
            after = store.stats()
        if after == committed:
            outcomes.add("none")
        else:
            # the whole second batch: every table grew by its full size in one step
            with EmbeddedStore(tmp_path / f"ref{attempt}.duckdb") as ref:
                load_directory(first, ref)
                load_directory(second, ref)
                assert after == ref.stats()
            outcomes.add("all")
        assert killed or after != committed
    assert "none" in outcomes  # at least one kill landed before the commit


def test_a_store_made_before_the_title_and_precision_columns_gets_them_on_opening(tmp_path: Path) -> None:
    import duckdb

    s = Scenario()
    firm, person = s.org("甲公司"), s.person("张伟")
    s.role(person, "legal_representative", firm, since="2020-01-01")
    path = tmp_path / "old.duckdb"
    with EmbeddedStore(path) as store:
        load_directory(s.write(tmp_path / "in"), store)
    con = duckdb.connect(str(path))  # as an older graphsvc left it: no title, no precision columns
    for column in ("title", "valid_from_precision", "valid_to_precision"):
        con.execute(f"ALTER TABLE roles DROP COLUMN {column}")
    con.execute("ALTER TABLE entries DROP COLUMN determined_on_precision")
    con.close()
    with EmbeddedStore(path) as store:
        [role] = store.subject_facts(person)["roles"].to_pylist()
        assert (role["role"], role["title"], role["valid_from_precision"]) == ("legal_representative", None, None)
        s.roles[-1].update(role="法人代表", valid_from="2020")
        load_directory(s.write(tmp_path / "again"), store)
        current = [r for r in store.subject_facts(person)["roles"].to_pylist() if r["superseded_at"] is None]
        assert [(r["title"], r["valid_from_precision"]) for r in current] == [("法人代表", "year")]


def test_a_store_made_before_the_publication_marks_gets_them_on_opening(tmp_path: Path) -> None:
    import duckdb

    s = Scenario()
    entry = s.entry(s.org("甲公司"), "black")
    path = tmp_path / "old.duckdb"
    with EmbeddedStore(path) as store:
        load_directory(s.write(tmp_path / "in"), store)
    con = duckdb.connect(str(path))  # as an older graphsvc left it: no publication marks
    con.execute("ALTER TABLE entries DROP COLUMN published_by")
    con.execute("ALTER TABLE entries DROP COLUMN published_on")
    con.close()
    with EmbeddedStore(path) as store:
        before = store.current_entry(entry)
        assert before is not None and (before["published_by"], before["published_on"]) == (None, None)
        load_directory(s.write(tmp_path / "again"), store)  # the operator's load marks it as published
        after = store.current_entry(entry)
        assert after is not None and after["published_by"] == "大庆市市场监督管理局"
