"""A store deleted and loaded anew at the same path is another store: nothing kept for the old one answers for it.

What users did: ``rm store.duckdb`` (``scripts/demo.sh`` did the same), then ``graphsvc load`` other data at the
same path. The new store counts its batches from 1 again, while the files beside the store (``<store>.analytics/``,
``<store>.names/``, ``<store>.generation``) and the caches of a running service were made from the old one at the
same batch numbers. Every answer below must come from the new data: the analytics of the CLI and of the API, the
names the explanations print, and a running service's views.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ServiceSettings
from api.storage import StoreAccess
from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache, saved_directory
from graphsvc.cli import main
from graphsvc.errors import StoreError
from graphsvc.stores.embedded import EmbeddedStore, generation_path, read_generation
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from graphsvc.stores.sidecar import batch_directory
from loaders.canonical import load_directory
from tests.api_world import AS_OF, authorise, point_at, running_app, settings_for, write_keys
from tests.bolt_server import BoltServer
from tests.conftest import PARITY, empty_database
from tests.scenario import Scenario

LR = "legal_representative"
DAY = dt.date.fromisoformat(AS_OF)


@dataclass(frozen=True)
class Ids:
    firm: str  # in both stores, named differently
    boss: str  # in both: 张伟 in the old store, 王芳 in the new one
    sister: str  # black-listed in both
    parent: str  # the firm's shareholder in both (60% then 90%); black-listed in the new store
    gone: str  # in the old store only
    newcomer: str  # in the new store only


def _old() -> tuple[Scenario, Ids]:
    s = Scenario()
    firm, boss, sister, parent, gone = (
        s.org("甲公司"),
        s.person("张伟"),
        s.org("乙公司"),
        s.org("母公司"),
        s.org("旧公司"),
    )
    s.role(boss, LR, firm)
    s.role(boss, LR, sister)
    s.role(boss, LR, gone)
    s.role(parent, "shareholder", firm, ratio=60)
    s.entry(sister, "black")
    return s, Ids(firm, boss, sister, parent, gone, newcomer="")


def _new() -> tuple[Scenario, Ids]:
    """Other data under the first four ids (other names, other ties); a person has the fifth place."""
    s = Scenario()
    firm, boss, sister, parent = s.org("丙公司"), s.person("王芳"), s.org("丁公司"), s.org("戊公司")
    newcomer = s.person("刘洋")
    s.role(boss, LR, firm)
    s.role(boss, LR, sister)
    s.role(parent, "shareholder", firm, ratio=90)
    s.role(newcomer, "shareholder", parent, ratio=100)
    s.entry(sister, "black")
    s.entry(parent, "black")
    return s, Ids(firm, boss, sister, parent, gone="", newcomer=newcomer)


def _ids() -> Ids:
    (_, old), (_, new) = _old(), _new()
    assert (old.firm, old.boss, old.sister, old.parent) == (new.firm, new.boss, new.sister, new.parent)
    assert old.gone != new.newcomer
    return Ids(old.firm, old.boss, old.sister, old.parent, old.gone, new.newcomer)


def _cli(args: list[str], db: Path) -> Any:
    out = io.StringIO()
    assert main([*args, "--db", str(db), "--as-of", AS_OF], out=out) == 0
    return json.loads(out.getvalue())


def _load(scenario: Scenario, db: Path, times: int, folder: Path) -> None:
    data = scenario.write(folder)
    for _ in range(times):
        assert main(["load", str(data), "--db", str(db)], out=io.StringIO()) == 0


def _exposed(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(i["subject_id"], i["name"], i["distance"]) for i in report["items"]]


def _p1_explanations(db: Path, *, in_new_process: bool = False) -> list[str]:
    args = ["derived", "--db", str(db), "--profile", "default", "--as-of", AS_OF, "--format", "json", "--rule", "P1"]
    if in_new_process:
        done = subprocess.run(
            [sys.executable, "-m", "graphsvc.cli", *args], capture_output=True, text=True, check=True, timeout=300
        )
        records = json.loads(done.stdout)
    else:
        out = io.StringIO()
        assert main(args, out=out) == 0
        records = json.loads(out.getvalue())
    return [r["explanation"] for r in records]


@pytest.mark.parametrize("loads", [1, 2], ids=["batch 1 again", "batch 2 again"])
def test_the_cli_answers_from_a_store_made_anew_at_the_same_path(
    tmp_path: Path, loads: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ids, db = _ids(), tmp_path / "store.duckdb"
    _load(_old()[0], db, loads, tmp_path / "old")
    assert _exposed(_cli(["exposure", ids.firm], db)) == [(ids.sister, "乙公司", 2)]
    assert all("张伟" in e for e in _p1_explanations(db)) and all("张伟" in e for e in _p1_explanations(db))
    names = batch_directory(db, "names", loads)
    assert (names / "meta.json").exists()  # the second evaluation kept the old store's names
    assert (batch_directory(db, "analytics", loads) / AS_OF / "meta.json").exists()

    db.unlink()  # what `rm store.duckdb` does: the files beside it stay
    _load(_new()[0], db, loads, tmp_path / "new")
    with EmbeddedStore(db, read_only=True) as store:
        assert store.last_batch_id() == loads  # the batch the old store's files were made from

    exposure = _cli(["exposure", ids.firm], db)
    assert exposure["subject"]["name"] == "丙公司"
    assert _exposed(exposure) == [(ids.parent, "戊公司", 1), (ids.sister, "丁公司", 2)]
    assert _cli(["exposure", ids.newcomer], db)["subject"]["name"] == "刘洋"
    capsys.readouterr()
    assert main(["exposure", ids.gone, "--db", str(db), "--as-of", AS_OF], out=io.StringIO()) == 2
    assert "unknown subject" in capsys.readouterr().err
    assert _cli(["paths", ids.firm, ids.newcomer], db)["length"] == 2
    owners = _cli(["ownership", ids.firm], db)["holdings"]
    assert [(h["subject_id"], h["name"], h["percent"]) for h in owners] == [
        (ids.parent, "戊公司", 90.0),
        (ids.newcomer, "刘洋", 90.0),
    ]

    # the names the explanations print: a new process finds the old store's names kept beside the new store
    for explanations in (_p1_explanations(db, in_new_process=True), _p1_explanations(db), _p1_explanations(db)):
        assert explanations and all("王芳" in e and "丁公司" in e and "张伟" not in e for e in explanations)
    with EmbeddedStore(db, read_only=True) as store:
        assert json.loads((names / "meta.json").read_text(encoding="utf-8"))["store"] == store.identity  # replaced


def _service(root: Path, db: Path) -> ServiceSettings:
    return settings_for(root, db, root / "keys.json")


def test_a_running_service_answers_from_a_store_made_anew_at_the_same_path(tmp_path: Path) -> None:
    ids = _ids()
    with running_app(tmp_path, _old()[0]) as (client, keys, db):
        gov = keys.header("government")

        def get(path: str, **params: str) -> Any:
            answer = client.get(path, params=params, headers=gov)
            assert answer.status_code == 200, answer.text
            return answer.json()

        assert _exposed(get(f"/v1/exposure/{ids.firm}")) == [(ids.sister, "乙公司", 2)]
        assert get(f"/v1/subjects/{ids.boss}")["subject"]["name"] == "张伟"
        get("/v1/derived", profile="default")  # a second evaluation of the batch: the names are kept
        assert (batch_directory(db, "names", 1) / "meta.json").exists()
        authorise(client, keys, ids.firm, "AUTH-OLD")
        assert client.get(f"/v1/subjects/{ids.firm}", headers=keys.header("authorised", "AUTH-OLD")).status_code == 200
        counters = get("/ready")["generation"]

        db.unlink()
        gone = client.get(f"/v1/exposure/{ids.firm}", headers=gov)
        assert gone.status_code == 503 and "no store" in gone.json()["detail"]  # not the deleted store's answer

        _load(_new()[0], db, 1, tmp_path / "new")
        assert get("/ready")["generation"] == counters  # the same counts: only the store's identity differs
        # the graph alone first (paths, ownership), then with the entries in force (exposure): each cache is asked
        assert get("/v1/paths", source=ids.firm, target=ids.newcomer)["length"] == 2
        owners = get(f"/v1/ownership/{ids.firm}")["holdings"]
        assert [(h["subject_id"], h["name"]) for h in owners] == [(ids.parent, "戊公司"), (ids.newcomer, "刘洋")]
        assert _exposed(get(f"/v1/exposure/{ids.firm}")) == [(ids.parent, "戊公司", 1), (ids.sister, "丁公司", 2)]
        assert get(f"/v1/exposure/{ids.newcomer}")["subject"]["name"] == "刘洋"
        assert client.get(f"/v1/exposure/{ids.gone}", headers=gov).status_code == 404
        profile = get(f"/v1/subjects/{ids.boss}")
        assert profile["subject"]["name"] == "王芳"
        explanations = [r["explanation"] for r in profile["derived"] if r["rule"] == "P1"]
        assert explanations and all("王芳" in e and "丁公司" in e and "张伟" not in e for e in explanations)
        for profile_name in ("default", "daqing"):
            p1 = get("/v1/derived", profile=profile_name, rule="P1")["items"]
            assert p1 and all("王芳" in r["explanation"] for r in p1)
        # an authorisation recorded in the deleted store is not one of the new store's
        refused = client.get(f"/v1/subjects/{ids.firm}", headers=keys.header("authorised", "AUTH-OLD"))
        assert refused.status_code == 403


def test_a_graph_kept_by_another_store_is_replaced_not_mapped(tmp_path: Path) -> None:
    ids, db = _ids(), tmp_path / "store.duckdb"
    with EmbeddedStore(db) as store:
        load_directory(_old()[0].write(tmp_path / "old"), store)
        AdjacencyCache().get(store, DAY)
        old_facts = store.generation().facts
        directory = saved_directory(store, DAY, old_facts.batch)
    assert directory is not None and Adjacency.open(directory, old_facts) is not None
    db.unlink()
    with EmbeddedStore(db) as store:
        load_directory(_new()[0].write(tmp_path / "new"), store)
        facts = store.generation().facts
        assert facts.batch == old_facts.batch and facts.store != old_facts.store
        assert Adjacency.open(directory, facts) is None  # the old store's files, at the new store's batch
        graph = AdjacencyCache().get(store, DAY)
    assert graph.mapped and graph.find(ids.newcomer) is not None and graph.find(ids.gone) is None
    assert Adjacency.open(directory, facts) is not None and Adjacency.open(directory, old_facts) is None


# -- the identity itself ------------------------------------------------------------------------------------------


def test_every_store_made_gets_its_own_identity_kept_in_the_store(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with EmbeddedStore(db) as store:
        first = store.identity
    with EmbeddedStore(db, read_only=True) as store:
        assert store.identity == first and store.generation().store == first
    db.unlink()
    with EmbeddedStore(db) as store:
        assert store.identity not in ("", first)
    with EmbeddedStore(":memory:") as a, EmbeddedStore(":memory:") as b:
        assert a.identity and a.identity != b.identity


def _as_made_by_an_older_version(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE store_meta")
    con.close()


def test_a_store_of_an_older_version_reads_with_a_derived_identity_that_its_first_writer_keeps(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with EmbeddedStore(db) as store:
        load_directory(_old()[0].write(tmp_path / "old"), store)
    _as_made_by_an_older_version(db)
    with EmbeddedStore(db, read_only=True) as store:
        derived = store.identity
        with EmbeddedStore(db, read_only=True, lock_timeout=1) as again:
            assert again.identity == derived  # the same in every reader
        AdjacencyCache().get(store, DAY)  # kept beside the store under the derived identity
    assert derived.startswith("first-batch-")
    with EmbeddedStore(db) as store:
        assert store.identity == derived  # recorded as it was derived: the files kept meanwhile stay good
        directory = saved_directory(store, DAY, store.last_batch_id())
        assert directory is not None and Adjacency.open(directory, store.generation().facts) is not None
    # another older store at the same path: other first batch, other identity
    db.unlink()
    with EmbeddedStore(db) as store:
        load_directory(_new()[0].write(tmp_path / "new"), store)
    _as_made_by_an_older_version(db)
    with EmbeddedStore(db, read_only=True) as store:
        assert store.identity.startswith("first-batch-") and store.identity != derived


def test_an_older_store_without_a_batch_reads_with_no_identity_and_gets_one_when_written(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    EmbeddedStore(db).close()
    _as_made_by_an_older_version(db)
    with EmbeddedStore(db, read_only=True) as store:
        assert store.identity == "" and store.generation().store == ""
    with EmbeddedStore(db) as store:
        assert len(store.identity) == 32


# -- the published generation ---------------------------------------------------------------------------------


def test_a_generation_published_by_a_deleted_store_is_not_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "store.duckdb"
    with EmbeddedStore(db) as store:
        load_directory(_old()[0].write(tmp_path / "old"), store)
        old = store.generation()
    assert read_generation(db) == old
    access = StoreAccess(_service(tmp_path, db))
    assert access.generation() == old

    db.unlink()
    assert read_generation(db) is None  # no store: nothing published holds
    with pytest.raises(StoreError, match="no store"):
        access.generation()

    # The writer making the new store first removes what the old one published: DuckDB's new file may get the
    # deleted file's inode, and a reader must find nothing to believe until the new store publishes.
    published_when_made: list[bool] = []

    def connect(path: Path, *, read_only: bool, in_memory: bool) -> duckdb.DuckDBPyConnection:
        published_when_made.append(generation_path(path).exists())
        return duckdb.connect(str(path), read_only=read_only)

    monkeypatch.setattr("graphsvc.stores.embedded._connect", connect)
    with EmbeddedStore(db) as store:
        load_directory(_new()[0].write(tmp_path / "new"), store)
        new = store.generation()
    monkeypatch.undo()
    assert published_when_made == [False]
    assert new.counters() == old.counters() and new.store != old.store
    assert read_generation(db) == new and access.generation() == new

    with EmbeddedStore(tmp_path / "other.duckdb") as other:
        replacing = other.generation()
    (tmp_path / "other.duckdb").rename(db)  # another store moved in: what was published is the replaced file's
    assert read_generation(db) is None
    assert access.generation() == replacing


# -- the Neo4j store ------------------------------------------------------------------------------------------


@pytest.mark.skipif(not PARITY, reason="GRAPHSVC_TEST_STORES=embedded: the Neo4j store is not under test")
def test_a_neo4j_database_wiped_and_loaded_again_is_another_store(
    neo4j_clean: BoltServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _ids()
    point_at(neo4j_clean, monkeypatch)
    settings = Neo4jSettings.from_env()
    with Neo4jStore(settings) as neo:
        load_directory(_old()[0].write(tmp_path / "old"), neo)
        old = neo.generation()
        with Neo4jStore(settings) as again:
            assert again.generation() == old  # every connection finds the database's identity
    assert len(old.store) == 32

    keys = write_keys(tmp_path / "keys.json")
    service = dataclasses.replace(_service(tmp_path, tmp_path / "unused.duckdb"), store="neo4j")
    monkeypatch.setattr("api.storage._NEO4J_GENERATION_TTL", 0.0)  # the service asks the server every time
    with TestClient(create_app(service)) as client:
        gov = keys.header("government")
        first = client.get(f"/v1/exposure/{ids.firm}", headers=gov).json()
        assert _exposed(first) == [(ids.sister, "乙公司", 2)]

        driver = neo4j_clean.driver()
        try:
            empty_database(driver, neo4j_clean)
        finally:
            driver.close()
        with Neo4jStore(settings) as neo:
            load_directory(_new()[0].write(tmp_path / "new"), neo)
            new = neo.generation()
        assert new.counters() == old.counters() and new.store not in ("", old.store)
        answer = client.get(f"/v1/exposure/{ids.firm}", headers=gov).json()
        assert _exposed(answer) == [(ids.parent, "戊公司", 1), (ids.sister, "丁公司", 2)]
