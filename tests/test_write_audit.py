"""A write is answered success only if it is committed and audited (PRV-06; issue 18, item 4).

Every write of the API commits its change and the request's audit event in one store transaction: when the audit
event cannot be written, or the store cannot commit, nothing is committed, no audit event claims the change, and
the caller gets 503 with the reason. Each write path runs on the embedded store and on the Neo4j store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graphsvc.cli import main as graphsvc_main
from graphsvc.stores.embedded import EmbeddedStore, generation_path
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.api_world import (
    AUTHORISED_KEY,
    DEPARTMENT,
    Keys,
    World,
    build_world,
    point_at,
    running_app,
    service_date,
    settings_for,
    write_keys,
)
from tests.conftest import PARITY
from tests.mounts import mount_tmpfs, remount, unmount
from tests.scenario import Scenario
from tests.test_api_loads import _csv, _penalty_row

PROBLEM = "application/problem+json"
AUTH_ID = "AUTH-WRITE-AUDIT"


def world_with_candidates() -> tuple[Scenario, World]:
    scenario, world = build_world()
    red = scenario.org("大庆守信候选有限公司")
    scenario.entry(
        red,
        "red",
        status="candidate",
        determined_on="2024-05-06",
        act_date=None,
        entry_id="RED-CANDIDATE",
        domain="tax",
    )
    black = scenario.org("大庆失信候选有限公司")
    scenario.entry(
        black,
        "black",
        status="candidate",
        determined_on="2024-05-06",
        valid_until="2027-05-06",
        entry_id="BLACK-CANDIDATE",
    )
    return scenario, world


@dataclass
class Served:
    client: TestClient
    keys: Keys
    world: World
    store: Literal["embedded", "neo4j"]

    def post(self, url: str, body: Any, tier: str = "government") -> Any:
        return self.client.post(url, json=body, headers=self.keys.header(tier))

    def committed(self) -> tuple[Any, ...]:
        """What the store holds that any write path changes."""
        service = self.client.app.state.service  # type: ignore[attr-defined]
        with service.access.read() as store:
            generation = store.generation()
            return (generation, store.lifecycle_events().num_rows, store.authorisation(AUTH_ID).num_rows)

    def audit(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.client.get("/v1/audit", headers=self.keys.header("admin")).json()
        return events


@pytest.fixture(params=["embedded", "neo4j"])
def served(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    scenario, world = world_with_candidates()
    if request.param == "embedded":
        with running_app(tmp_path, scenario) as (client, keys, _db):
            yield Served(client, keys, world, "embedded")
        return
    if not PARITY:
        pytest.skip("GRAPHSVC_TEST_STORES=embedded: the Bolt server is not used")
    point_at(request.getfixturevalue("neo4j_clean"), monkeypatch)
    with Neo4jStore(Neo4jSettings.from_env()) as neo:
        load_directory(scenario.write(tmp_path / "data"), neo)
    keys = write_keys(tmp_path / "keys.json")
    settings = dataclasses.replace(
        settings_for(tmp_path, tmp_path / "unused.duckdb", tmp_path / "keys.json"), store="neo4j"
    )
    with TestClient(create_app(settings)) as client:
        yield Served(client, keys, world, "neo4j")


# -- the write paths: what each needs first, the write, and its answer's status ------------------------------------
Send = Callable[[Served, Any], Any]


@dataclass(frozen=True)
class WritePath:
    endpoint: str  # the audit log's endpoint of the write, with {placeholders} for what ``prepare`` returns
    status: int
    send: Send
    prepare: Callable[[Served], dict[str, str]] = lambda served: {}


def _objection(served: Served) -> dict[str, str]:
    body = {
        "filer": "大庆豪丰电力工程有限公司",
        "filed_on": "2024-06-27",
        "grounds": "inaccurate",
        "statement": "日期有误",
    }
    filed = served.post(f"/v1/entries/{served.world.listed_entry}/objections", body)
    assert filed.status_code == 201, filed.text
    return {"case": filed.json()["case_id"]}


REPAIR = {"applied_on": "2025-04-07", "corrected_on": "2024-04-01", "commitment": "承诺不再失信"}


def _a_year_on(served: Served) -> dict[str, str]:
    """The service's date a year after the world's: a year has passed since the correction (RGT-06)."""
    service_date(served.client, "2025-04-08")
    return {"entry": served.world.listed_entry}


def _repair(served: Served) -> dict[str, str]:
    _a_year_on(served)
    applied = served.post(f"/v1/entries/{served.world.listed_entry}/repairs", REPAIR)
    assert applied.status_code == 201, applied.text
    return {"case": applied.json()["case_id"]}


def _public_notice(served: Served) -> dict[str, str]:
    assert served.post("/v1/entries/RED-CANDIDATE/public-notice", {"on": "2024-06-03"}).status_code == 200
    return {}


def _warning(served: Served) -> dict[str, str]:
    found = served.client.get(
        "/v1/warnings", params={"warning_list": "appointment_ban_violation"}, headers=served.keys.header("government")
    )
    return {"warning": found.json()["items"][0]["warning_id"]}


def _entry(served: Served) -> dict[str, str]:
    return {
        "entry_id": "E-WRITE-1",
        "subject_id": served.world.clean_firm,
        "list_type": "focus",
        "domain": "food_drug",
        "department": DEPARTMENT,
        "determined_on": "2024-05-01",
        "scope": "public",
    }


def _load(served: Served, _ids: Any) -> Any:
    return served.client.post(
        "/v1/loads",
        content=_csv([_penalty_row(DEPARTMENT)]),
        params={"format": "mapped", "mapping": "shuanggongshi_penalty", "filename": "行政处罚.csv"},
        headers={**served.keys.header("government"), "Content-Type": "text/csv"},
    )


AUTHORISATION = {
    "authorisation_id": AUTH_ID,
    "grantee": AUTHORISED_KEY,
    "purpose": "贷款审批 loan approval",
    "valid_from": "2024-01-01",
    "valid_until": "2024-12-31",
    "proof_kind": "written",
    "proof_ref": "书面授权书",
}

WRITES: dict[str, WritePath] = {
    "entry": WritePath("/v1/entries", 201, lambda s, _: s.post("/v1/entries", _entry(s))),
    "findings": WritePath(
        "/v1/findings",
        201,
        lambda s, _: s.post(
            "/v1/findings", {"findings": [{"person_id": s.world.clean_person, "entry_id": s.world.listed_entry}]}
        ),
    ),
    "status": WritePath(
        "/v1/entries/{entry}/status",
        201,
        lambda s, _: s.post(f"/v1/entries/{s.world.listed_entry}/status", {"status": "revoked", "since": "2024-06-01"}),
        lambda s: {"entry": s.world.listed_entry},
    ),
    "load": WritePath("/v1/loads", 201, _load),
    "objection": WritePath(
        "/v1/entries/{entry}/objections",
        201,
        lambda s, _: s.post(
            f"/v1/entries/{s.world.listed_entry}/objections",
            {
                "filer": "大庆豪丰电力工程有限公司",
                "filed_on": "2024-06-27",
                "grounds": "inaccurate",
                "statement": "日期有误",
            },
        ),
        lambda s: {"entry": s.world.listed_entry},
    ),
    "objection decision": WritePath(
        "/v1/objections/{case}/decision",
        200,
        lambda s, ids: s.post(
            f"/v1/objections/{ids['case']}/decision",
            {"decided_on": "2024-06-28", "outcome": "rejected", "reason": "核实无误"},
        ),
        _objection,
    ),
    "repair": WritePath(
        "/v1/entries/{entry}/repairs",
        201,
        lambda s, _: s.post(f"/v1/entries/{s.world.listed_entry}/repairs", REPAIR),
        _a_year_on,
    ),
    "repair decision": WritePath(
        "/v1/repairs/{case}/decision",
        200,
        lambda s, ids: s.post(
            f"/v1/repairs/{ids['case']}/decision", {"decided_on": "2025-04-08", "approve": True, "reason": "符合条件"}
        ),
        _repair,
    ),
    "notice": WritePath(
        "/v1/entries/BLACK-CANDIDATE/notice",
        200,
        lambda s, _: s.post("/v1/entries/BLACK-CANDIDATE/notice", {"on": "2024-06-03"}),
    ),
    "public notice": WritePath(
        "/v1/entries/RED-CANDIDATE/public-notice",
        200,
        lambda s, _: s.post("/v1/entries/RED-CANDIDATE/public-notice", {"on": "2024-06-03"}),
    ),
    "activation": WritePath(
        "/v1/entries/RED-CANDIDATE/activation",
        200,
        lambda s, _: s.post("/v1/entries/RED-CANDIDATE/activation", {"on": "2024-06-17"}),
        _public_notice,
    ),
    "warning decision": WritePath(
        "/v1/warnings/{warning}/decision",
        200,
        lambda s, ids: s.post(f"/v1/warnings/{ids['warning']}/decision", {"state": "confirmed", "reason": "核实属实"}),
        _warning,
    ),
    "authorisation": WritePath(
        "/v1/authorisations",
        201,
        lambda s, _: s.post("/v1/authorisations", AUTHORISATION | {"subject_id": s.world.lr}, tier="admin"),
    ),
    "evaluation": WritePath("/v1/evaluations", 200, lambda s, _: s.post("/v1/evaluations", {}, tier="admin")),
}


# -- faults: the audit event's write fails, or the commit fails after it was written --------------------------------
def _full_disk() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def inject(monkeypatch: pytest.MonkeyPatch, store: str, fault: Literal["audit", "commit"]) -> None:
    if store == "embedded":
        if fault == "audit":

            def audit_fails(self: EmbeddedStore, rows: Any) -> None:
                raise duckdb.IOException("could not write the audit log: No space left on device")

            monkeypatch.setattr(EmbeddedStore, "_write_audit", audit_fails)
        else:

            def commit_fails(self: EmbeddedStore) -> None:
                raise duckdb.IOException("could not write the write-ahead log: No space left on device")

            monkeypatch.setattr(EmbeddedStore, "_commit", commit_fails)
        return
    written = Neo4jStore._write_audit

    def neo4j_fails(self: Neo4jStore, tx: Any, rows: Any) -> None:
        if fault == "commit":
            written(self, tx, rows)  # the audit node is in the transaction; then the transaction fails
        raise _full_disk()

    monkeypatch.setattr(Neo4jStore, "_write_audit", neo4j_fails)


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("path", WRITES, ids=list(WRITES))
def test_a_write_is_committed_with_its_audit_event_or_not_at_all(
    served: Served, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = WRITES[path]
    ids = write.prepare(served)
    endpoint = write.endpoint.format(**ids)
    before = served.committed()
    for fault in ("audit", "commit"):
        with monkeypatch.context() as patch:
            inject(patch, served.store, fault)
            refused = _problem(write.send(served, ids), 503)
        assert "No space left on device" in refused["detail"] or "is full" in refused["detail"], refused
        assert served.committed() == before, f"{fault} failure committed part of the write"
        ready = _problem(served.client.get("/ready"), 503)
        assert ready["title"] == "Store writes failing"
    answer = write.send(served, ids)
    assert answer.status_code == write.status, answer.text
    assert served.committed() != before
    assert served.client.get("/ready").status_code == 200
    succeeded = [e for e in served.audit() if e["endpoint"] == endpoint and e["status"] < 400]
    assert [e["status"] for e in succeeded] == [write.status], "exactly one audit event claims the write"
    assert succeeded[0]["key_id"] in ("daqing-amr", "platform-admin")


def test_a_batch_audit_event_names_the_batch_and_the_case_it_opened(served: Served) -> None:
    filed = served.post(
        f"/v1/entries/{served.world.listed_entry}/objections",
        {
            "filer": "大庆豪丰电力工程有限公司",
            "filed_on": "2024-06-27",
            "grounds": "inaccurate",
            "statement": "日期有误",
        },
    )
    assert filed.status_code == 201, filed.text
    (event,) = [e for e in served.audit() if e["endpoint"].endswith("/objections") and e["status"] == 201]
    assert json.loads(event["result_ids"]) == [served.world.listed_entry, filed.json()["case_id"]]
    parameters = json.loads(event["parameters"])
    assert parameters["batch_id"] == served.committed()[0].batch


# -- the published generation (item 2) ------------------------------------------------------------------------------
def _entry_ids(client: TestClient, keys: Keys, subject_id: str) -> set[str]:
    profile = client.get(f"/v1/subjects/{subject_id}", headers=keys.header("admin"))
    assert profile.status_code == 200, profile.text
    return {e["entry_id"] for e in profile.json()["entry_history"]}


def test_a_generation_that_cannot_be_published_never_shows_the_old_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario, world = world_with_candidates()
    with (
        running_app(tmp_path, scenario) as (writer, keys, db),
        TestClient(
            create_app(settings_for(tmp_path, db, tmp_path / "keys.json"))  # another worker of the same store
        ) as other,
    ):
        served = Served(writer, keys, world, "embedded")
        assert "E-WRITE-1" not in _entry_ids(other, keys, world.clean_firm)
        assert generation_path(db).exists()
        replace = os.replace

        def full_disk(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
            if str(target).endswith(".generation"):
                raise _full_disk()
            replace(source, target, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(os, "replace", full_disk)
            answer = served.post("/v1/entries", _entry(served))
        assert answer.status_code == 201, answer.text  # committed and audited: a success
        assert not generation_path(db).exists(), "the stale generation was withdrawn"
        assert list(db.parent.glob(f"{db.name}.generation.*")) == [], "no scratch file is left"
        assert "E-WRITE-1" in _entry_ids(other, keys, world.clean_firm)
        assert "E-WRITE-1" in _entry_ids(writer, keys, world.clean_firm)
        # The next write publishes it again.
        again = served.post("/v1/entries", _entry(served) | {"entry_id": "E-WRITE-2"})
        assert again.status_code == 201, again.text
        assert generation_path(db).exists()
        assert "E-WRITE-2" in _entry_ids(other, keys, world.clean_firm)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "tiny"
    mount_tmpfs(where, "size=8m")
    try:
        yield where
    finally:
        unmount(where)


def _fill(disk: Path) -> Path:
    """A file that takes the disk's every free byte."""
    filler = disk / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    with contextlib.suppress(OSError), filler.open("ab") as handle:
        while True:
            handle.write(b"\0")
            handle.flush()
    return filler


def test_a_full_store_disk_refuses_writes_with_the_reason_until_space_is_freed(tmp_path: Path, tiny_disk: Path) -> None:
    scenario, world = world_with_candidates()
    db = tiny_disk / "store.duckdb"
    assert graphsvc_main(["load", str(scenario.write(tmp_path / "data")), "--db", str(db)]) == 0
    keys = write_keys(tmp_path / "keys.json")
    settings = dataclasses.replace(settings_for(tmp_path, db, tmp_path / "keys.json"), audit_dir=tmp_path / "audit")
    with TestClient(create_app(settings)) as client:
        served = Served(client, keys, world, "embedded")
        before = served.committed()
        filler = _fill(tiny_disk)
        many = {"entries": [_entry(served) | {"entry_id": f"E-MANY-{n:04d}"} for n in range(3000)]}
        refused = _problem(served.post("/v1/entries/batch", many), 503)
        assert "is full" in refused["detail"], refused
        assert "is full" in _problem(client.get("/ready"), 503)["detail"]
        filler.unlink()
        assert served.committed() == before
        assert list(tiny_disk.glob("store.duckdb.generation.*")) == [], "no scratch file is left"
        assert [e for e in served.audit() if e["endpoint"] == "/v1/entries/batch" and e["status"] < 400] == []
        assert served.post("/v1/entries/batch", many).status_code == 201
        assert client.get("/ready").status_code == 200
        assert "E-MANY-2999" in _entry_ids(client, keys, world.clean_firm)


# -- a read-only store (item 3) -----------------------------------------------------------------------------------
@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[tuple[Path, World]]:
    """The world's store in a folder mounted read-only, with no lock file left in it."""
    where = tmp_path / "ro"
    mount_tmpfs(where, "size=16m")
    try:
        scenario, world = world_with_candidates()
        db = where / "store.duckdb"
        assert graphsvc_main(["load", str(scenario.write(tmp_path / "data")), "--db", str(db)]) == 0
        (where / "store.duckdb.lock").unlink()
        remount(where, "ro")
        yield db, world
    finally:
        unmount(where)


def test_a_read_only_store_serves_reads_and_refuses_writes_with_the_reason(
    tmp_path: Path, read_only_store: tuple[Path, World]
) -> None:
    db, world = read_only_store
    keys = write_keys(tmp_path / "keys.json")
    settings = dataclasses.replace(settings_for(tmp_path, db, tmp_path / "keys.json"), audit_dir=tmp_path / "audit")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "read-only", ready.text
        assert "read-only" in ready.json()["read_only"]
        assert world.listed_entry in _entry_ids(client, keys, world.listed)
        assert client.get("/v1/decisions", params={"subject_id": world.lr}).status_code == 200
        served = Served(client, keys, world, "embedded")
        for path in ("entry", "status", "evaluation", "authorisation"):
            refused = _problem(WRITES[path].send(served, {}), 503)
            assert "read-only" in refused["detail"], refused
        assert not (db.parent / "store.duckdb.lock").exists()


def test_a_read_only_store_with_its_audit_journal_beside_it_says_why_it_serves_nothing(
    tmp_path: Path, read_only_store: tuple[Path, World]
) -> None:
    db, world = read_only_store
    write_keys(tmp_path / "keys.json")
    with TestClient(create_app(settings_for(tmp_path, db, tmp_path / "keys.json"))) as client:
        assert "GRAPHSVC_AUDIT_DIR" in _problem(client.get("/ready"), 503)["detail"]
        assert "GRAPHSVC_AUDIT_DIR" in _problem(client.get(f"/v1/subjects/{world.listed}"), 503)["detail"]


def test_the_cli_reads_a_read_only_store_and_refuses_to_write_it_in_one_line(
    tmp_path: Path, read_only_store: tuple[Path, World], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _world = read_only_store
    assert graphsvc_main(["stats", "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["subjects"] > 0
    assert (
        graphsvc_main(["derived", "--db", str(db), "--profile", "daqing", "--as-of", "2024-06-30", "--format", "json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out), "evaluated without keeping the evaluation"
    assert graphsvc_main(["objection", "list", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    scenario, _ = world_with_candidates()
    code = graphsvc_main(["load", str(scenario.write(tmp_path / "more")), "--db", str(db)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "read-only" in err


# -- refusals are audited; created resources answer 201 (item 4) -----------------------------------------------------
def test_refusals_are_audited_once_with_the_caller_and_the_reason(served: Served) -> None:
    authorisation = AUTHORISATION | {"subject_id": served.world.lr}
    assert served.post("/v1/authorisations", authorisation, tier="admin").status_code == 201
    _problem(served.post("/v1/authorisations", authorisation, tier="admin"), 409)
    early = {"applied_on": "2024-06-03", "corrected_on": "2024-04-01", "commitment": ""}
    _problem(served.post(f"/v1/entries/{served.world.listed_entry}/repairs", early), 422)  # conditions not met
    _problem(served.post("/v1/entries", {"entry_id": "E-HALF"}), 422)  # an invalid body
    unknown = {"findings": [{"person_id": served.world.clean_person, "entry_id": "E-NONE"}]}
    _problem(served.post("/v1/findings", unknown), 422)  # audited by the router already
    _problem(served.post("/v1/authorisations", authorisation | {"valid_from": "2025-01-01"}, tier="admin"), 400)
    refused = [e for e in served.audit() if e["status"] >= 400]
    seen = [(e["key_id"], e["endpoint"], e["status"]) for e in refused]
    repairs = f"/v1/entries/{served.world.listed_entry}/repairs"
    assert sorted(seen) == sorted(
        [
            ("platform-admin", "/v1/authorisations", 409),
            ("daqing-amr", repairs, 422),
            ("daqing-amr", "/v1/entries", 422),
            ("daqing-amr", "/v1/findings", 422),
            ("platform-admin", "/v1/authorisations", 400),
        ]
    )
    taken = json.loads(next(e for e in refused if e["status"] == 409)["parameters"])
    assert AUTH_ID in taken["refused"]
    conditions = json.loads(next(e for e in refused if e["endpoint"] == repairs)["parameters"])
    assert "cannot be repaired" in conditions["refused"]


CREATING = {
    "/v1/entries",
    "/v1/entries/batch",
    "/v1/findings",
    "/v1/entries/{entry_id}/status",
    "/v1/loads",
    "/v1/entries/{entry_id}/objections",
    "/v1/entries/{entry_id}/repairs",
    "/v1/authorisations",
}


def test_posts_that_record_something_new_answer_201_and_steps_on_existing_ones_200(tmp_path: Path) -> None:
    scenario, _world = world_with_candidates()
    with running_app(tmp_path, scenario) as (client, _keys, _db):
        schema = client.get("/openapi.json").json()
    posts = {path: ops["post"]["responses"] for path, ops in schema["paths"].items() if "post" in ops}
    assert set(posts) >= CREATING
    for path, responses in posts.items():
        success = sorted(code for code in responses if code.startswith("2"))
        assert success == (["201"] if path in CREATING else ["200"]), path
