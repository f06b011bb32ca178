"""The Neo4j store against a real Bolt server: loads, corrections, time travel, evaluations, errors, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

from graphsvc.cli import main
from graphsvc.engine import evaluate
from graphsvc.errors import StoreError
from graphsvc.profiles import load_profile
from graphsvc.stores.base import Evaluation
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.bolt_server import BoltServer, free_port
from tests.conftest import subjects_of
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)


def _settings(server: BoltServer, **overrides: object) -> Neo4jSettings:
    values: dict[str, object] = {
        "uri": server.uri,
        "user": server.user,
        "password": server.password,
        "database": server.database,
    }
    values.update(overrides)
    return Neo4jSettings(**values)  # type: ignore[arg-type]


def _firm(s: Scenario) -> tuple[str, str]:
    firm = s.org("某某有限公司")
    lr = s.person("张伟")
    s.role(lr, "legal_representative", firm)
    s.entry(firm, "black")
    return firm, lr


def test_load_reload_and_stats_match_the_embedded_store(tmp_path: Path, neo4j_clean: BoltServer) -> None:
    s = Scenario()
    _firm(s)
    s.role(s.org("乙有限公司"), "related_enterprise", s.org("甲有限公司"))
    directory = s.write(tmp_path / "in")
    with Neo4jStore(_settings(neo4j_clean, batch_size=2)) as neo, EmbeddedStore(tmp_path / "e.duckdb") as emb:
        first = load_directory(directory, neo).result
        load_directory(directory, emb)
        assert first is not None and first.inserted == {"subjects": 4, "roles": 2, "entries": 1, "findings": 0}
        again = load_directory(directory, neo).result  # small batches, re-run: nothing changes
        assert again is not None and sum(again.inserted.values()) == 0 and sum(again.superseded.values()) == 0
        assert neo.stats() == emb.stats()


def test_corrections_supersede_and_known_at_sees_the_past(tmp_path: Path, neo4j_clean: BoltServer) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    old_lr, new_lr = s.person("旧法人"), s.person("新法人")
    s.role(old_lr, "legal_representative", firm, since="2015-01-01")
    s.entry(firm, "black", act_date="2024-02-01", determined_on="2024-03-01")
    with Neo4jStore(_settings(neo4j_clean)) as neo:
        first = load_directory(s.write(tmp_path / "v1"), neo).result
        s.roles.clear()
        s.role(old_lr, "legal_representative", firm, since="2015-01-01", until="2023-12-31")
        s.role(new_lr, "legal_representative", firm, since="2024-01-01")
        second = load_directory(s.write(tmp_path / "v2"), neo).result
        assert first is not None and second is not None
        assert second.superseded["roles"] == 1 and second.inserted["roles"] == 2
        daqing = load_profile("daqing")
        now = evaluate(neo, daqing, AS_OF, persist=False).records.to_pylist()
        then = evaluate(neo, daqing, AS_OF, known_at=first.recorded_at, persist=False).records.to_pylist()
        assert subjects_of(now, "P1") == {new_lr}
        assert subjects_of(then, "P1") == {old_lr}


def test_evaluation_replaces_the_previous_one_and_a_failed_write_keeps_it(
    tmp_path: Path, neo4j_clean: BoltServer
) -> None:
    s = Scenario()
    _firm(s)
    with Neo4jStore(_settings(neo4j_clean)) as neo:
        load_directory(s.write(tmp_path / "in"), neo)
        full = evaluate(neo, load_profile("default"), AS_OF)
        evaluate(neo, load_profile("lianping"), AS_OF)
        latest = neo.latest_evaluation()
        assert latest is not None and latest.profile == "lianping" and latest.records.num_rows == 1
        assert neo.stats()["derived"] == 1 < full.records.num_rows
        broken = Evaluation("default", AS_OF, None, dt.datetime(2026, 1, 1), pa.table({"rule": ["P1"]}))
        with pytest.raises(KeyError):
            neo.replace_evaluation(broken)
        kept = neo.latest_evaluation()
        assert kept is not None and kept.profile == "lianping" and kept.records.num_rows == 1


def test_latest_evaluation_reads_back_identical_records(tmp_path: Path, neo4j_clean: BoltServer) -> None:
    s = Scenario()
    _firm(s)
    with Neo4jStore(_settings(neo4j_clean)) as neo:
        load_directory(s.write(tmp_path / "in"), neo)
        written = evaluate(neo, load_profile("default"), AS_OF)
        read = neo.latest_evaluation()
        assert read is not None
        assert read.records.to_pylist() == written.records.to_pylist()
        assert read.as_of == AS_OF


def test_an_unreachable_server_names_the_uri() -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=f"cannot reach a Neo4j server at {uri}"):
        Neo4jStore(Neo4jSettings(uri=uri, user="neo4j", password="whatever1"))


def test_a_wrong_password_names_the_user(bolt_server: BoltServer) -> None:
    with pytest.raises(StoreError, match=f"refused user '{bolt_server.user}'.*NEO4J_PASSWORD"):
        Neo4jStore(_settings(bolt_server, password="not-the-password"))


def test_cli_contract_on_neo4j(tmp_path: Path, neo4j_clean: BoltServer, capsys: pytest.CaptureFixture[str]) -> None:
    s = Scenario()
    _firm(s)
    directory = s.write(tmp_path / "in")
    flags = [
        "--store",
        "neo4j",
        "--neo4j-uri",
        neo4j_clean.uri,
        "--neo4j-user",
        neo4j_clean.user,
        f"--neo4j-password={neo4j_clean.password}",  # one argument: a password may begin with "-"
        "--neo4j-database",
        neo4j_clean.database,
    ]
    out = io.StringIO()
    assert main([*flags, "load", str(directory)], out=out) == 0
    assert neo4j_clean.uri in out.getvalue()
    out = io.StringIO()
    assert main([*flags, "derived", "--profile", "daqing", "--as-of", "2024-06-30", "--format", "csv"], out=out) == 0
    neo_csv = out.getvalue()
    assert neo_csv.startswith("rule,subject_id,source_entry_id,related_id,effect,valid_from,valid_until")
    out = io.StringIO()
    assert main([*flags, "stats", "--format", "json"], out=out) == 0
    stats = json.loads(out.getvalue())
    # the same commands on the embedded store answer the same
    db = ["--db", str(tmp_path / "e.duckdb")]
    assert main(["load", str(directory), *db], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["derived", *db, "--profile", "daqing", "--as-of", "2024-06-30", "--format", "csv"], out=out) == 0
    assert out.getvalue() == neo_csv
    out = io.StringIO()
    assert main(["stats", *db, "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue()) == stats


def test_cli_store_from_the_environment(
    tmp_path: Path, neo4j_clean: BoltServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (
        ("GRAPHSVC_STORE", "neo4j"),
        ("NEO4J_URI", neo4j_clean.uri),
        ("NEO4J_USER", neo4j_clean.user),
        ("NEO4J_PASSWORD", neo4j_clean.password),
        ("NEO4J_DATABASE", neo4j_clean.database),
    ):
        monkeypatch.setenv(name, value)
    s = Scenario()
    _firm(s)
    assert main(["load", str(s.write(tmp_path / "in"))], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["stats", "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue())["subjects"] == 2


def test_cli_unreachable_neo4j_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    code = main(["--store", "neo4j", "--neo4j-uri", uri, "stats"], out=io.StringIO())
    assert code == 1
    assert f"cannot reach a Neo4j server at {uri}" in capsys.readouterr().err


@pytest.mark.slow
def test_a_server_restart_during_a_load_is_a_clear_error_and_a_rerun_ends_with_the_same_graph(
    tmp_path: Path,
) -> None:
    """Failure behaviour: the load fails naming the URI; running it again gives the graph of a clean load."""
    import threading
    import time

    from bench.generate import generate
    from graphsvc.errors import LoadRejected
    from tests.bolt_server import start_arcadedb

    data = tmp_path / "data"
    generate(data, subjects=3000, seed=5)
    with EmbeddedStore(tmp_path / "reference.duckdb") as reference:
        load_directory(data, reference)
        expected = reference.stats()
    with start_arcadedb() as server:
        settings = _settings(server.bolt, batch_size=500)
        errors: list[Exception] = []

        def load() -> None:
            try:
                with Neo4jStore(settings) as neo:
                    load_directory(data, neo)
            except (StoreError, LoadRejected) as exc:
                errors.append(exc)

        # The load runs in a thread; the server is restarted from this (main) thread, which owns it.
        loader = threading.Thread(target=load)
        loader.start()
        time.sleep(1.5)
        server.restart()
        loader.join()
        if errors:  # the restart hit the load (it normally does: the load takes several seconds)
            assert server.bolt.uri in str(errors[0])
            assert "run the same command again" in str(errors[0])
        with Neo4jStore(settings) as neo:
            load_directory(data, neo)
            assert neo.stats() == expected
            again = load_directory(data, neo).result
            assert again is not None and sum(again.inserted.values()) == 0


def test_an_identifier_the_neo4j_store_gives_to_another_subject_is_refused(
    tmp_path: Path, neo4j_clean: BoltServer
) -> None:
    from graphsvc.errors import LoadRejected

    first = Scenario()
    firm = first.org("原有限公司")
    person = first.person("张伟")
    with Neo4jStore(_settings(neo4j_clean)) as neo:
        load_directory(first.write(tmp_path / "a"), neo)
        second = Scenario()
        second.subjects = [dict(row) for row in first.subjects]
        second.subjects[0]["subject_id"] = "ORG-COPY"  # same USCC, another subject
        second.subjects[1]["subject_id"] = "P-COPY"  # same ID number, another person
        with pytest.raises(LoadRejected) as info:
            load_directory(second.write(tmp_path / "b"), neo)
        reasons = " ".join(p.reason for p in info.value.problems)
        assert f"uscc already belongs to subject {firm}" in reasons
        assert f"id_number already belongs to subject {person}" in reasons
        assert neo.stats()["subjects"] == 2
