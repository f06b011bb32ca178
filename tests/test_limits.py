"""Limits and edges (issue 18, item 7): batch sizes, answer sizes, slow connections, forged client addresses,
codecs that are not text encodings, JSON nested too deep, formula cells in the CLI's CSV, a closed output pipe.

What touches the store runs on both stores; the served tests start `graphsvc-api serve` and talk to it over raw
sockets, the way a slow or hostile client does."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.queries
import graphsvc.csvcells
from api.app import create_app
from api.cli import main as api_main
from api.models import MAX_BATCH_ITEMS, MAX_ITEM_FIELDS
from api.problems import LISTED
from api.settings import DEFAULT_MAX_BATCH_ITEMS, RateLimit, ServiceSettings
from graphsvc.cli import main as graphsvc_main
from graphsvc.closedpipe import CLOSED_PIPE_EXIT
from graphsvc.errors import InputError
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from loaders.source import MAX_JSON_DEPTH
from tests.api_world import (
    DEPARTMENT,
    Keys,
    Served,
    World,
    build_world,
    clean_environment,
    point_at,
    served_world,
    settings_for,
    write_keys,
)
from tests.conftest import PARITY
from tests.test_api_loads import _csv, _penalty_row
from tests.test_formats import _entity

ROOT = Path(__file__).resolve().parents[1]
PROBLEM = "application/problem+json"
ANSWER_ROWS = 3  # the unpaged answers of these tests' service hold at most this many rows
App = tuple[TestClient, Keys, World]


@pytest.fixture(params=["embedded", "neo4j"])
def app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    scenario, world = build_world()
    data = scenario.write(tmp_path / "data")
    keys = write_keys(tmp_path / "keys.json")
    settings = dataclasses.replace(
        settings_for(tmp_path, tmp_path / "store.duckdb", tmp_path / "keys.json"), max_answer_rows=ANSWER_ROWS
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


def _entry(world: World, entry_id: str, **fields: str) -> dict[str, str]:
    return {
        "entry_id": entry_id,
        "subject_id": world.clean_firm,
        "list_type": "black",
        "domain": "food_drug",
        "severity": "serious",
        "department": DEPARTMENT,
        "determined_on": "2024-05-01",
        "scope": "public",
        **fields,
    }


# -- batches: items per request, fields per item ---------------------------------------------------------------
def test_a_batch_longer_than_its_cap_is_refused_by_its_length_before_any_item_is_read(app: App) -> None:
    client, keys, _world = app
    gov = keys.header("government") | {"content-type": "application/json"}
    assert MAX_BATCH_ITEMS == DEFAULT_MAX_BATCH_ITEMS == 10_000
    for path, name in (("/v1/entries/batch", "entries"), ("/v1/findings", "findings")):
        # Empty items: were each read, every one would add its own missing-field errors (a 60 MB answer).
        body = f'{{"{name}": [{",".join(["{}"] * (MAX_BATCH_ITEMS + 1))}]}}'.encode()
        refused = problem(client.post(path, content=body, headers=gov), 422)
        assert len(refused["errors"]) == 1 and "errors_not_listed" not in refused
        assert refused["errors"][0]["column"] == name
        assert f"at most {MAX_BATCH_ITEMS}" in refused["errors"][0]["reason"]
        assert "per request" in refused["errors"][0]["reason"]


def test_the_item_cap_is_in_the_openapi_schema_so_schema_valid_batches_are_accepted(app: App) -> None:
    client, _keys, _world = app
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["EntryBatchIn"]["properties"]["entries"]["maxItems"] == MAX_BATCH_ITEMS
    assert schemas["FindingBatchIn"]["properties"]["findings"]["maxItems"] == MAX_BATCH_ITEMS
    assert schemas["EntryIn"]["maxProperties"] == schemas["FindingIn"]["maxProperties"] == MAX_ITEM_FIELDS


def test_an_item_with_a_field_per_column_of_a_huge_table_is_refused(app: App) -> None:
    client, keys, world = app
    gov = keys.header("government")
    wide = _entry(world, "E-WIDE") | {f"column_{i}": "x" for i in range(MAX_ITEM_FIELDS)}
    assert (
        f"at most {MAX_ITEM_FIELDS}"
        in problem(client.post("/v1/entries/batch", json={"entries": [wide]}, headers=gov), 422)["detail"]
    )
    # A few unknown fields still reach the loaders, which refuse them by name (PRV-01 for this one).
    religious = _entry(world, "E-FEW") | {"religion": "x"}
    assert "religion" in json.dumps(problem(client.post("/v1/entries", json=religious, headers=gov), 422))


def test_the_item_cap_is_a_setting_read_when_the_service_starts(tmp_path: Path) -> None:
    schema = subprocess.run(
        [
            sys.executable,
            "-c",
            "from api.app import create_app; import json; print(json.dumps(create_app().openapi()))",
        ],
        cwd=ROOT,
        env={**clean_environment(), "GRAPHSVC_MAX_BATCH_ITEMS": "25", "GRAPHSVC_DB": str(tmp_path / "s.duckdb")},
        capture_output=True,
        text=True,
        check=True,
    )
    batch = json.loads(schema.stdout)["components"]["schemas"]["EntryBatchIn"]["properties"]["entries"]
    assert batch["maxItems"] == 25
    bad = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--db", str(tmp_path / "s.duckdb")],
        cwd=ROOT,
        env={**clean_environment(), "GRAPHSVC_MAX_BATCH_ITEMS": "lots"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "GRAPHSVC_MAX_BATCH_ITEMS='lots'" in bad.stderr, bad.stderr


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("GRAPHSVC_MAX_ANSWER_ROWS", "0", "GRAPHSVC_MAX_ANSWER_ROWS='0'"),
        ("GRAPHSVC_MAX_ANSWER_ROWS", "2.5", "write a whole number of rows"),
        ("GRAPHSVC_MAX_BATCH_ITEMS", "inf", "GRAPHSVC_MAX_BATCH_ITEMS='inf'"),
        ("GRAPHSVC_HEADER_TIMEOUT", "soon", "GRAPHSVC_HEADER_TIMEOUT='soon'"),
        ("GRAPHSVC_BODY_TIMEOUT", "-1", "GRAPHSVC_BODY_TIMEOUT='-1'"),
        ("GRAPHSVC_TRUSTED_PROXIES", "10.0.0.1,the-proxy", "'the-proxy' is not an IP address"),
    ],
)
def test_bad_limit_settings_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError, match=re.escape(named)):
        ServiceSettings.from_env()


def test_limit_settings_have_their_documented_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAX_ANSWER_ROWS", "HEADER_TIMEOUT", "BODY_TIMEOUT", "TRUSTED_PROXIES", "MAX_BATCH_ITEMS"):
        monkeypatch.delenv(f"GRAPHSVC_{name}", raising=False)
    settings = ServiceSettings.from_env()
    assert (settings.max_answer_rows, settings.timeouts.header, settings.timeouts.body) == (100_000, 10.0, 30.0)
    assert settings.trusted_proxies == ()
    monkeypatch.setenv("GRAPHSVC_TRUSTED_PROXIES", " 10.0.0.5, 10.1.0.0/16 ")
    assert ServiceSettings.from_env().trusted_proxies == ("10.0.0.5", "10.1.0.0/16")


def test_a_file_loaded_over_http_holds_at_most_as_many_records_as_a_batch(app: App) -> None:
    client, keys, _world = app
    gov = keys.header("government")
    too_many = MAX_BATCH_ITEMS + 1
    files = [
        ({"format": "ftm", "filename": "lines.jsonl"}, b"{}\n" * too_many, "application/x-ndjson"),
        (
            {"format": "bods", "filename": "array.json"},
            b"[" + b",".join([b'{"statementType": "personStatement"}'] * too_many) + b"]",
            "application/json",
        ),
        (
            {"format": "mapped", "mapping": "shuanggongshi_penalty", "filename": "rows.csv"},
            _csv([_penalty_row(DEPARTMENT, number=str(n)) for n in range(too_many)], "utf-8"),
            "text/csv",
        ),
    ]
    for params, body, media in files:
        answer = client.post("/v1/loads", content=body, params=params, headers=gov | {"Content-Type": media})
        refused = problem(answer, 422)
        assert len(refused["errors"]) == 1, refused["errors"][:3]
        assert refused["errors"][0]["file"] == params["filename"]
        assert f"more than {MAX_BATCH_ITEMS} records" in refused["errors"][0]["reason"]


# -- answers: listed problems, unpaged rows ---------------------------------------------------------------------
def test_a_refused_batch_lists_its_first_problems_and_counts_the_rest(app: App) -> None:
    client, keys, world = app
    # Every entry names a subject the store does not hold: one problem per entry.
    entries = [_entry(world, f"E-LOST-{i}", subject_id=f"NOBODY-{i}") for i in range(LISTED + 234)]
    refused = problem(
        client.post("/v1/entries/batch", json={"entries": entries}, headers=keys.header("government")), 422
    )
    assert len(refused["errors"]) == LISTED
    assert refused["errors_not_listed"] >= 234
    assert f"the first {LISTED} are listed" in refused["detail"]
    assert refused["errors"][0]["row"] == 2  # the first entry, counted like a CSV's rows


def test_a_load_report_lists_its_first_problems_and_counts_the_rest(app: App) -> None:
    client, keys, _world = app
    rows = [_penalty_row(DEPARTMENT, number=str(n)) for n in range(LISTED + 50)]
    for row in rows:
        row[9] = "the day before"  # 处罚决定日期: not a date, so each row's entry is left out
    answer = client.post(
        "/v1/loads",
        content=_csv(rows),
        params={"format": "mapped", "mapping": "shuanggongshi_penalty", "skip_invalid": "true"},
        headers=keys.header("government") | {"Content-Type": "text/csv"},
    )
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert len(report["problems"]) == LISTED and report["problems_not_listed"] >= 50
    assert report["tables"]["entries"]["rejected"] == LISTED + 50
    assert report["warnings_not_listed"] == 0


def test_unpaged_answers_over_the_row_limit_are_refused_saying_how_to_ask_for_less(app: App) -> None:
    client, keys, world = app
    gov = keys.header("government")
    everything = client.get("/v1/derived", params={"limit": 1000}, headers=gov).json()
    assert everything["total"] > ANSWER_ROWS  # the JSON pages are not limited
    refused = problem(client.get("/v1/derived", params={"format": "csv"}, headers=gov), 400)
    assert refused["title"] == "Answer too large"
    assert (
        f"{everything['total']} derived records" in refused["detail"]
        and "GRAPHSVC_MAX_ANSWER_ROWS" in refused["detail"]
    )
    assert "date_from" in refused["detail"] and "offset and limit" in refused["detail"]
    narrow = client.get("/v1/derived", params={"format": "csv", "subject_id": world.pic}, headers=gov)
    assert narrow.status_code == 200 and 1 < len(narrow.text.splitlines()) <= ANSWER_ROWS + 1

    # The audit log grows with every request: export a short period.
    admin = keys.header("admin")
    for _ in range(ANSWER_ROWS + 1):
        assert client.get("/v1/subjects/" + world.lr, headers=gov).status_code == 200
    assert "since, until" in problem(client.get("/v1/audit", headers=admin), 400)["detail"]
    assert "since, until" in problem(client.get("/v1/audit", params={"format": "csv"}, headers=admin), 400)["detail"]
    later = client.get("/v1/audit", params={"since": "2100-01-01T00:00:00"}, headers=admin)
    assert later.status_code == 200 and later.json() == []


# -- JSON nested too deep ---------------------------------------------------------------------------------------
def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("fmt", ["ftm", "bods"])
def test_json_nested_deeper_than_the_limit_is_refused_naming_the_file(app: App, fmt: str) -> None:
    client, keys, _world = app
    body = ('{"a": ' * 10_000 + "1" + "}" * 10_000).encode()
    refused = problem(
        client.post(
            "/v1/loads",
            content=body,
            params={"format": fmt, "filename": "nested.json"},
            headers=keys.header("government") | {"Content-Type": "application/json"},
        ),
        422,
    )
    assert refused["errors"][0]["file"] == "nested.json"
    assert f"more than {MAX_JSON_DEPTH} deep" in refused["errors"][0]["reason"]


def test_the_cli_refuses_deep_json_naming_the_file_line_and_limit(tmp_path: Path) -> None:
    entity = json.dumps(_entity("Person", "p1", name="张伟").to_dict(), ensure_ascii=False)
    shallow = json.dumps([[[[{"a": [1]}]]]])  # 6 levels: within the limit, not an entity
    every = ([], ["--format", "ftm"], ["--format", "bods"])
    cases = {
        "array.json": (_deep(10_000), None, every),
        "lines.jsonl": (f"{entity}\n{_deep(MAX_JSON_DEPTH + 1)}\n", 2, every[:2]),  # FtM lines, not BODS
        "objects.json": ('{"statementType": ' * 10_000 + "1" + "}" * 10_000, None, every),
    }
    for name, (text, line, formats) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        for fmt in formats:
            run = _graphsvc(["load", str(path), "--db", str(tmp_path / "s.duckdb"), *fmt])
            assert run.returncode == 1, run.stderr
            assert "Traceback" not in run.stderr and "RecursionError" not in run.stderr
            assert name in run.stderr and f"more than {MAX_JSON_DEPTH} deep" in run.stderr
            if line is not None:
                assert f"{name}, row {line}:" in run.stderr
    (tmp_path / "shallow.json").write_text(shallow, encoding="utf-8")
    run = _graphsvc(["load", str(tmp_path / "shallow.json"), "--db", str(tmp_path / "s.duckdb"), "--format", "ftm"])
    assert run.returncode == 1 and "deep" not in run.stderr and "not an FtM entity" in run.stderr


# -- codecs that are not text encodings ---------------------------------------------------------------------------
@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib_codec", "no-such-codec"])
def test_the_cli_refuses_a_codec_that_is_not_a_text_encoding(tmp_path: Path, codec: str) -> None:
    scenario, _world = build_world()
    data = scenario.write(tmp_path / "data")
    run = _graphsvc(["load", str(data), "--db", str(tmp_path / "s.duckdb"), "--encoding", codec])
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert f"encoding {codec!r} is not" in run.stderr and "text encoding such as utf-8" in run.stderr


def test_a_mapping_file_naming_a_transform_codec_is_refused_naming_the_mapping(tmp_path: Path) -> None:
    mapping = tmp_path / "mine.yaml"
    mapping.write_text(
        "files:\n  - match: ['*.csv']\n    encoding: base64\n    outputs:\n      - table: subjects\n"
        "        columns: {subject_id: id, kind: {value: enterprise}, name: name}\n",
        encoding="utf-8",
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "firms.csv").write_text("id,name\nF1,甲公司\n", encoding="utf-8")
    run = _graphsvc(["load", str(tmp_path / "in"), "--db", str(tmp_path / "s.duckdb"), "--mapping", str(mapping)])
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert "mapping mine.yaml, files[0]: encoding 'base64' is not a text encoding" in run.stderr


def test_a_text_encoding_that_does_not_fit_the_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    scenario, _world = build_world()
    data = scenario.write(tmp_path / "data")
    run = _graphsvc(["load", str(data), "--db", str(tmp_path / "s.duckdb"), "--encoding", "utf-16"])
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "cannot read the file" in run.stderr


@pytest.mark.parametrize("codec", ["rot13", "base64"])
def test_the_api_refuses_a_codec_that_is_not_a_text_encoding(app: App, codec: str) -> None:
    client, keys, _world = app
    refused = problem(
        client.post(
            "/v1/loads",
            content=_csv([_penalty_row(DEPARTMENT)]),
            params={"format": "mapped", "mapping": "shuanggongshi_penalty", "encoding": codec},
            headers=keys.header("government") | {"Content-Type": "text/csv"},
        ),
        400,
    )
    assert f"encoding {codec!r} is not a text encoding" in refused["detail"]
    gbk = client.post(
        "/v1/loads",
        content=_csv([_penalty_row(DEPARTMENT)]),
        params={"format": "mapped", "mapping": "shuanggongshi_penalty", "encoding": "gbk"},
        headers=keys.header("government") | {"Content-Type": "text/csv"},
    )
    assert gbk.status_code == 201, gbk.text


# -- CSV the CLI writes ---------------------------------------------------------------------------------------------
def test_one_formula_escape_serves_the_api_and_the_cli() -> None:
    assert api.queries.csv_cell is graphsvc.csvcells.csv_cell
    assert not hasattr(api.queries, "FORMULA_START")
    assert [graphsvc.csvcells.csv_cell(v) for v in ("=1+1", "＝1", "-2", "a=b", -2, None)] == [
        "'=1+1",
        "'＝1",
        "'-2",
        "a=b",
        -2,
        "",
    ]


def test_the_cli_csv_of_derived_records_and_rejected_rows_neutralises_formula_cells(tmp_path: Path) -> None:
    scenario, world = build_world()
    formula = "@SUM(1+1)*cmd|' /C calc'!A0"
    scenario.entry(world.clean_firm, "black", determined_on="2024-05-01", domain="food_drug")
    scenario.entries[-1]["legal_basis"] = formula
    data = scenario.write(tmp_path / "data")
    db = str(tmp_path / "s.duckdb")
    assert graphsvc_main(["load", str(data), "--db", db]) == 0
    out = io.StringIO()
    assert graphsvc_main(["derived", "--db", db, "--profile", "daqing", "--as-of", "2024-06-30"], out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    mine = [r for r in rows if r["subject_id"] == world.clean_person]
    assert mine and all(r["legal_basis"] == "'" + formula for r in mine)
    assert all(not v.startswith(graphsvc.csvcells.FORMULA_START) for r in rows for v in r.values())
    written = tmp_path / "derived.csv"
    assert (
        graphsvc_main(["derived", "--db", db, "--profile", "daqing", "--as-of", "2024-06-30", "--output", str(written)])
        == 0
    )
    assert written.read_text(encoding="utf-8") == out.getvalue()

    # Rejected rows, canonical and mapped: a report for people to read, escaped like every other.
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "subjects.csv").write_text('subject_id,kind,name\n=HYPERLINK("http://x"),alien,=cmd\n', encoding="utf-8")
    assert graphsvc_main(["load", str(bad), "--db", db, "--skip-invalid"]) == 0
    rejected = (bad / "subjects.csv.rejected.csv").read_text(encoding="utf-8")
    cells = [c for r in csv.reader(io.StringIO(rejected)) for c in r]
    assert '\'=HYPERLINK("http://x")' in cells and "'=cmd" in cells
    assert not any(c.startswith(graphsvc.csvcells.FORMULA_START) for c in cells)


# -- a closed output pipe --------------------------------------------------------------------------------------------
def _closed_pipe_run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """``command`` with its standard output a pipe whose reader has gone (``… | head`` after head exits)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            command, cwd=ROOT, env=clean_environment(), stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300
        )
    finally:
        os.close(write_end)


def test_both_commands_end_quietly_when_their_reader_goes_away(tmp_path: Path) -> None:
    scenario, _world = build_world()
    db = tmp_path / "s.duckdb"
    assert graphsvc_main(["load", str(scenario.write(tmp_path / "data")), "--db", str(db)]) == 0
    for command in (
        [sys.executable, "-m", "graphsvc.cli", "rules"],
        [
            sys.executable,
            "-m",
            "graphsvc.cli",
            "derived",
            "--db",
            str(db),
            "--profile",
            "daqing",
            "--as-of",
            "2024-06-30",
        ],
        [sys.executable, "-m", "api.cli", "audit", "--db", str(db), "--format", "json"],
    ):
        run = _closed_pipe_run(command)
        assert run.returncode == CLOSED_PIPE_EXIT == 141, (command, run.stderr)
        assert run.stderr == "", run.stderr  # no BrokenPipeError traceback, no "Exception ignored"


def test_a_command_writing_into_a_closed_stream_returns_141(tmp_path: Path) -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    assert graphsvc_main(["rules"], Gone()) == CLOSED_PIPE_EXIT
    keys = ["keys", "add", "k1", "--tier", "public", "--file", str(tmp_path / "keys.json")]
    assert api_main(keys, Gone()) == CLOSED_PIPE_EXIT
    assert graphsvc_main(["profiles"], io.StringIO()) == 0


# -- proxies: whose X-Forwarded-For is believed --------------------------------------------------------------------
def _trusting(tmp_path: Path, proxies: tuple[str, ...]) -> tuple[TestClient, Keys, World, ServiceSettings]:
    scenario, world = build_world()
    db = tmp_path / "s.duckdb"
    if not db.exists():
        assert graphsvc_main(["load", str(scenario.write(tmp_path / "data")), "--db", str(db)]) == 0
    keys = write_keys(tmp_path / "keys.json")
    settings = dataclasses.replace(
        settings_for(tmp_path, db, tmp_path / "keys.json"), rate_limit=RateLimit(3, 3600), trusted_proxies=proxies
    )
    return TestClient(create_app(settings), client=("192.0.2.10", 40000)), keys, world, settings


def _refused_addresses(client: TestClient, keys: Keys) -> list[str]:
    events = client.get("/v1/audit", headers=keys.header("admin")).json()
    return [json.loads(e["parameters"])["address"] for e in events if e["status"] == 401]


def test_a_forged_forwarded_for_changes_neither_the_rate_bucket_nor_the_audited_address(tmp_path: Path) -> None:
    client, keys, _world, _settings = _trusting(tmp_path, ())
    with client:
        answers = [
            client.get("/v1/vocabulary", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(5)
        ]
        assert answers == [200, 200, 200, 429, 429]  # one bucket: the peer's address
        forged = client.get("/v1/derived", headers={"X-API-Key": "not-a-key", "X-Forwarded-For": "198.51.100.77"})
        assert forged.status_code == 401
        assert _refused_addresses(client, keys) == ["192.0.2.10"]


def test_a_configured_proxys_forwarded_for_is_believed(tmp_path: Path) -> None:
    client, keys, _world, _settings = _trusting(tmp_path, ("192.0.2.0/24",))
    with client:
        answers = [
            client.get("/v1/vocabulary", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(5)
        ]
        assert answers == [200] * 5  # each forwarded client has a bucket of its own
        same = [client.get("/v1/vocabulary", headers={"X-Forwarded-For": "198.51.100.9"}).status_code for _ in range(4)]
        assert same == [200, 200, 200, 429]
        client.get("/v1/derived", headers={"X-API-Key": "not-a-key", "X-Forwarded-For": "203.0.113.5, 192.0.2.77"})
        assert _refused_addresses(client, keys) == ["203.0.113.5"]  # the first address no trusted proxy added


# -- the served API: slow connections, uvicorn's own proxy headers -------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = {"GRAPHSVC_HEADER_TIMEOUT": "1", "GRAPHSVC_BODY_TIMEOUT": "1", "GRAPHSVC_RATE_LIMIT": "3/3600"}
    with served_world(tmp_path_factory.mktemp("served"), env) as served:
        yield served


def _one_answer(connection: socket.socket) -> tuple[bytes, bytes]:
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += connection.recv(65536)
    return head, body


def _until_closed(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_a_connection_that_stops_in_its_request_line_is_closed_with_408(served: Served) -> None:
    with served.connect() as connection:
        connection.sendall(b"GET /health HT")
        answer = _until_closed(connection)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within 1 s" in answer and b"connection: close" in answer.lower()


def test_a_connection_that_sends_nothing_or_stops_in_its_headers_is_closed(served: Served) -> None:
    with served.connect() as silent:
        assert _until_closed(silent).startswith(b"HTTP/1.1 408 ")
    with served.connect() as halfway:
        halfway.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        assert _until_closed(halfway).startswith(b"HTTP/1.1 408 ")


def test_a_stalled_body_gets_408_and_the_connection_is_closed(served: Served) -> None:
    with served.connect() as connection:
        # With a key: its own rate bucket, not the address's that the proxy test counts.
        key = served.keys.government.encode()
        connection.sendall(
            b"POST /v1/entries/batch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"X-API-Key: " + key + b"\r\nContent-Length: 400\r\n\r\n" + b'{"entries": ['
        )
        answer = _until_closed(connection)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"paused for more than 1 s" in answer


def test_a_prompt_client_keeps_its_connection_for_several_requests(served: Served) -> None:
    with served.connect() as connection:
        for _ in range(3):
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            head, body = _one_answer(connection)
            assert head.startswith(b"HTTP/1.1 200 ") and body == b'{"status":"ok"}', head


def test_served_from_localhost_a_forged_forwarded_for_does_not_escape_the_rate_limit(served: Served) -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; serve tells it otherwise."""
    statuses = []
    for n in range(5):
        request = urllib.request.Request(
            f"http://127.0.0.1:{served.port}/v1/vocabulary", headers={"X-Forwarded-For": f"198.51.100.{n}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)
    assert statuses == [200, 200, 200, 429, 429]


def _graphsvc(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphsvc.cli", *args],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
