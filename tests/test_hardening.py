"""Every input path is limited and strict, exports and pages are safe, files are private (issue 10, items 6, 7, 9).

The request-level checks run on both stores; they sit in front of the store, and a few of them write."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware import TokenBuckets
from api.settings import RateLimit
from graphsvc.cli import main as graphsvc_main
from graphsvc.stores.base import WARNING_EVENT_SCHEMA
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.api_world import DEPARTMENT, Keys, World, build_world, point_at, settings_for, write_keys
from tests.conftest import PARITY
from tests.mounts import mount_tmpfs
from tests.scenario import Scenario

PROBLEM = "application/problem+json"
LIMIT = 64 * 1024  # the body limit of these tests' service
App = tuple[TestClient, Keys, World]


@pytest.fixture(params=["embedded", "neo4j"])
def app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    scenario, world = build_world()
    data = scenario.write(tmp_path / "data")
    keys = write_keys(tmp_path / "keys.json")
    settings = dataclasses.replace(
        settings_for(tmp_path, tmp_path / "store.duckdb", tmp_path / "keys.json"),
        max_body_bytes=LIMIT,
        rate_limit=RateLimit(40, 3600),
    )
    if request.param == "embedded":
        assert graphsvc_main(["load", str(data), "--db", str(tmp_path / "store.duckdb")]) == 0
    else:
        if not PARITY:
            pytest.skip("GRAPHSVC_TEST_STORES=embedded: the Bolt server is not used")
        server = request.getfixturevalue("neo4j_clean")
        point_at(server, monkeypatch)
        with Neo4jStore(Neo4jSettings.from_env()) as neo:
            load_directory(data, neo)
        settings = dataclasses.replace(settings, store="neo4j")
    with TestClient(create_app(settings)) as client:
        yield client, keys, world


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


# -- 6. limits and strictness ---------------------------------------------------------------------------------
def test_a_body_over_the_limit_is_refused_before_it_is_parsed(app: App) -> None:
    client, keys, world = app
    gov = keys.header("government") | {"content-type": "application/json"}
    entry = {"entry_id": "E-X", "subject_id": world.clean_firm, "list_type": "focus", "domain": "food_drug"}
    big = b'{"entries": [' + b",".join([repr(entry).replace("'", '"').encode()] * 2000) + b"]}"
    assert len(big) > LIMIT
    assert "larger than" in problem(client.post("/v1/entries/batch", content=big, headers=gov), 413)["detail"]

    # Without a Content-Length (chunked), the body is counted as it arrives.
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    problem(client.post("/v1/entries/batch", content=chunks(), headers=gov), 413)


def test_too_many_requests_from_one_key_get_429_with_retry_after(app: App) -> None:
    client, keys, _world = app
    gov = keys.header("government")
    answers = [client.get("/v1/statistics", params={"by": "domain"}, headers=gov) for _ in range(41)]
    assert [a.status_code for a in answers[:40]] == [200] * 40
    refused = problem(answers[40], 429)
    assert int(answers[40].headers["retry-after"]) >= 1 and "retry after" in refused["detail"]
    # Another key, and the public, have buckets of their own; /health is never limited.
    assert client.get("/v1/statistics", params={"by": "domain"}, headers=keys.header("admin")).status_code == 200
    assert client.get("/health").status_code == 200


def test_token_buckets_refill_at_the_configured_rate() -> None:
    buckets = TokenBuckets(RateLimit(2, 10))  # 2 requests per 10 s: one token every 5 s
    assert [buckets.take("k", now=100.0), buckets.take("k", now=100.0)] == [0.0, 0.0]
    assert buckets.take("k", now=101.0) == pytest.approx(4.0)
    assert buckets.take("k", now=106.0) == 0.0
    assert buckets.take("other", now=106.0) == 0.0


def test_unknown_query_parameters_are_refused_naming_the_allowed_ones(app: App) -> None:
    client, _keys, world = app
    # The decision check's date parameter is `date`: `as_of` used to be ignored, answering for today.
    body = problem(client.get("/v1/decisions", params={"subject_id": world.lr, "as_of": "2020-01-01"}), 400)
    assert "as_of" in body["detail"] and "date" in body["detail"] and "subject_id" in body["detail"]
    problem(client.get("/v1/derived", params={"rules": "P5"}), 400)
    assert client.get("/v1/derived", params={"rule": "P5"}).status_code == 200


def test_filters_refuse_what_they_do_not_know_instead_of_answering_nothing(app: App) -> None:
    client, _keys, _world = app
    assert (
        "did you mean food_drug" in problem(client.get("/v1/derived", params={"domain": "food_drugs"}), 400)["detail"]
    )
    problem(client.get("/v1/derived", params={"rule": "P99"}), 400)
    problem(client.get("/v1/warnings", params={"warning_list": "everything"}), 400)
    problem(client.get("/v1/derived", params={"list_type": ""}), 400)
    # Aliases name the same list: 严重违法失信企业名单 is serious_illegal.
    by_alias = client.get("/v1/derived", params={"list_type": "严重违法失信企业名单"}).json()
    by_slug = client.get("/v1/derived", params={"list_type": "serious_illegal"}).json()
    assert by_alias["total"] == by_slug["total"] > 0


def test_dates_are_iso_dates_not_timestamps(app: App) -> None:
    client, keys, _world = app
    # as_of=1.5 used to be read as a Unix timestamp: 1970-01-01.
    problem(client.get("/v1/statistics", params={"by": "domain", "as_of": "1.5"}), 422)
    problem(client.get("/v1/audit", params={"until": "101"}, headers=keys.header("admin")), 422)
    assert (
        client.get("/v1/audit", params={"until": "2100-01-01T00:00:00Z"}, headers=keys.header("admin")).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reason", "核实\x00属实"),  # a control character
        ("reason", "核实\u202e实属"),  # a right-to-left override
        ("reason", "长" * 5000),  # over-long
    ],
)
def test_unsafe_text_in_a_body_is_refused(app: App, field: str, value: str) -> None:
    client, keys, _world = app
    violations = {"warning_list": "appointment_ban_violation"}
    listed = client.get("/v1/warnings", params=violations, headers=keys.header("government"))
    warning = listed.json()["items"][0]
    url = f"/v1/warnings/{warning['warning_id']}/decision"
    body = problem(client.post(url, json={"state": "confirmed", field: value}, headers=keys.header("government")), 422)
    assert field in body["detail"]


def test_lone_surrogates_are_422_not_500(app: App) -> None:
    client, keys, world = app
    gov = keys.header("government") | {"content-type": "application/json"}
    violations = {"warning_list": "appointment_ban_violation"}
    listed = client.get("/v1/warnings", params=violations, headers=keys.header("government"))
    warning = listed.json()["items"][0]
    url = f"/v1/warnings/{warning['warning_id']}/decision"
    problem(client.post(url, content=b'{"state": "confirmed", "reason": "x\\ud800y"}', headers=gov), 422)
    entry = (
        b'{"entry_id": "E-\\udc80", "subject_id": "' + world.clean_firm.encode() + b'", "list_type": "focus", '
        b'"domain": "food_drug", "determined_on": "2024-05-01", "scope": "public", "department": "x"}'
    )
    problem(client.post("/v1/entries", content=entry, headers=gov), 422)


def test_ids_and_query_text_are_checked_too(app: App) -> None:
    client, keys, world = app
    problem(client.get("/v1/derived", params={"subject_id": "P\u202e1"}), 422)
    problem(client.get(f"/v1/subjects/{'P' * 300}"), 422)
    long_id = {
        "entry_id": "E" * 300,
        "subject_id": world.clean_firm,
        "list_type": "focus",
        "domain": "food_drug",
        "department": DEPARTMENT,
        "determined_on": "2024-05-01",
        "scope": "public",
    }
    problem(client.post("/v1/entries", json=long_id, headers=keys.header("government")), 422)


def test_dates_outside_1949_to_2100_are_refused(app: App) -> None:
    client, keys, world = app
    problem(client.get("/v1/derived", params={"as_of": "1900-01-01"}), 422)
    problem(client.get("/v1/decisions", params={"subject_id": world.lr, "date": "2200-01-01"}), 422)
    status = {"status": "suspended", "since": "2101-01-01"}
    gov = keys.header("government")
    problem(client.post(f"/v1/entries/{world.listed_entry}/status", json=status, headers=gov), 422)
    entry = {
        "entry_id": "E-OLD",
        "subject_id": world.clean_firm,
        "list_type": "focus",
        "domain": "food_drug",
        "department": DEPARTMENT,
        "determined_on": "1900-05-01",
        "scope": "public",
    }
    assert "determined_on" in problem(client.post("/v1/entries", json=entry, headers=gov), 422)["detail"]
    assert client.get("/v1/derived", params={"as_of": "1949-10-01"}, headers=gov).status_code == 200


# -- 7. exports and pages -------------------------------------------------------------------------------------
def test_csv_exports_neutralise_formula_cells(app: App) -> None:
    client, keys, world = app
    entry = {
        "entry_id": "E-FORMULA",
        "subject_id": world.clean_firm,
        "list_type": "black",
        "domain": "food_drug",
        "severity": "serious",
        "department": DEPARTMENT,
        "determined_on": "2024-05-01",
        "status": "active",
        "scope": "public",
        "legal_basis": "@SUM(1+1)*cmd|' /C calc'!A0",
        "published_by": DEPARTMENT,
        "published_on": "2024-05-01",
    }
    assert client.post("/v1/entries", json=entry, headers=keys.header("government")).status_code == 201
    exported = client.get("/v1/derived", params={"subject_id": world.clean_person, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and all(r["legal_basis"] == "'" + entry["legal_basis"] for r in rows)
    assert all(not r[k].startswith(("=", "+", "-", "@")) for r in rows for k in r)


def test_pages_and_answers_carry_security_headers(app: App) -> None:
    client, _keys, _world = app
    for path in ("/", "/static/dashboard.js", "/v1/derived", "/docs"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    dashboard = client.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in dashboard and "unsafe-inline" not in dashboard


def test_api_docs_load_their_assets_from_the_service(app: App) -> None:
    client, _keys, _world = app
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith(("/", "data:")) for a in assets), (page, assets)
        assert "cdn" not in html.lower()
        for asset in assets:
            if asset.endswith((".js", ".css")):
                answer = client.get(asset)
                assert answer.status_code == 200 and len(answer.content) > 10_000, asset


# -- 9. files ---------------------------------------------------------------------------------------------------
def test_store_lock_generation_and_audit_files_are_private(tmp_path: Path) -> None:
    scenario, _world = build_world()
    data = scenario.write(tmp_path / "data")
    db = tmp_path / "new" / "store.duckdb"
    previous = os.umask(0o022)
    try:
        assert graphsvc_main(["load", str(data), "--db", str(db)]) == 0
        write_keys(tmp_path / "keys.json")
        settings = settings_for(tmp_path, db, tmp_path / "keys.json")
        with TestClient(create_app(settings)) as client:
            assert client.get("/v1/derived").status_code == 200
    finally:
        os.umask(previous)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(db.parent) == 0o700
    for path in (db, db.with_name("store.duckdb.lock"), db.with_name("store.duckdb.generation")):
        assert mode(path) == 0o600, path
    audit = db.with_name("store.duckdb.audit")
    assert mode(audit) == 0o700
    assert [mode(p) for p in audit.glob("*.jsonl")] and all(mode(p) == 0o600 for p in audit.glob("*.jsonl"))


def test_the_write_ahead_log_is_private_while_a_writer_is_open(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    previous = os.umask(0o022)
    try:
        with EmbeddedStore(db) as store:
            event = {
                "warning_id": "d-1",
                "state": "confirmed",
                "reason": "r",
                "actor": "k",
                "decided_at": dt.datetime(2024, 6, 30),
                "rule": "W1",
                "subject_id": "S",
            }
            store.append_warning_events(pa.Table.from_pylist([event], schema=WARNING_EVENT_SCHEMA))
            wal = db.with_name("store.duckdb.wal")
            assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
        assert os.umask(0o022) == 0o022  # the process's umask is back when the writer closes
    finally:
        os.umask(previous)


def _one_line_error(capsys: pytest.CaptureFixture[str], code: int) -> str:
    err = capsys.readouterr().err.strip()
    assert code == 1 and "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_cli_reports_a_corrupt_store_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "store.duckdb"
    bad.write_bytes(b"not a database at all" * 100)
    err = _one_line_error(capsys, graphsvc_main(["stats", "--db", str(bad), "--format", "json"]))
    assert "not a readable graphsvc store" in err and "backup" in err


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "small"
    mount_tmpfs(where, "size=128k")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "ro"
    mount_tmpfs(where, "ro,size=64k")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def _bigger_than_the_disk(tmp_path: Path) -> Path:
    scenario = Scenario()
    for n in range(3000):
        scenario.org(f"企业{n:04d}有限公司")
    return scenario.write(tmp_path / "many")


def test_cli_reports_a_full_disk_in_one_line(
    tmp_path: Path, small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _bigger_than_the_disk(tmp_path)
    err = _one_line_error(capsys, graphsvc_main(["load", str(data), "--db", str(small_disk / "store.duckdb")]))
    assert "is full" in err and "free some space" in err


def test_cli_reports_a_read_only_folder_in_one_line(
    tmp_path: Path, read_only_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, _world = build_world()
    data = scenario.write(tmp_path / "data")
    err = _one_line_error(capsys, graphsvc_main(["load", str(data), "--db", str(read_only_folder / "store.duckdb")]))
    assert "read-only" in err and "--db" in err
