"""The disclosure policy (graphsvc/disclosure.py) as each tier meets it, endpoint by endpoint.

The world is tests/api_world.py's, served under the default profile on 2024-06-30 (W1 is published there, W4 is
on), with the archive beside it, every entry designated by 大庆市市场监督管理局 (DEPARTMENT):

- 大庆退出食品有限公司: its black entry EXIT-1 exited on 2024-03-01 (004 MB 第三十条: no longer published; W4 keeps
  the firm under key monitoring, 004 JI(十七));
- 退出 person 钱进: his only entry, a court-defaulter entry, exited on 2024-04-01: nothing about him is published;
- 大庆撤销建材有限公司: its black entry REV-1 was revoked on 2024-05-01;
- 大庆暂停化工有限公司: its black entry SUSP-1 is suspended from 2024-06-01;
- 大庆重点关注物流有限公司: a focus entry and, within its validity, a serious act (W2, for the departments);
- 大庆多领域警示有限公司: focus entries in three key domains (W1, which 001 四(六) publishes).

Each test runs on the embedded store and on the Neo4j store (a local Bolt server).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.api_world import Keys, World, build_world, point_at, running_app, settings_for, write_keys
from tests.conftest import PARITY, empty_database

PROFILE = "default"
ARCHIVE = ("EXIT-1", "PEXIT-1", "REV-1", "SUSP-1")


@dataclass(frozen=True)
class Archive:
    exited_firm: str
    exited_person: str
    revoked_firm: str
    suspended_firm: str
    focus_firm: str
    warned_firm: str


def _world() -> tuple[Any, World, Archive]:
    s, world = build_world()
    exited_firm = s.org("大庆退出食品有限公司")
    exited_person = s.person("钱进")
    revoked_firm = s.org("大庆撤销建材有限公司")
    suspended_firm = s.org("大庆暂停化工有限公司")
    focus_firm = s.org("大庆重点关注物流有限公司")
    warned_firm = s.org("大庆多领域警示有限公司")
    s.entry(exited_firm, "black", determined_on="2023-01-10", act_date="2022-12-01", entry_id="EXIT-1")
    s.status("EXIT-1", "exited", "2024-03-01", "退出黑名单")
    s.entry(
        exited_person, "court_defaulter", determined_on="2023-02-01", act_date="2023-01-05", entry_id="PEXIT-1"
    )
    s.status("PEXIT-1", "exited", "2024-04-01", "履行完毕")
    s.entry(revoked_firm, "black", determined_on="2024-01-05", act_date="2023-12-01", entry_id="REV-1")
    s.status("REV-1", "revoked", "2024-05-01", "异议成立，撤销")
    s.entry(suspended_firm, "black", determined_on="2024-01-06", act_date="2023-12-02", entry_id="SUSP-1")
    s.status("SUSP-1", "suspended", "2024-06-01", "暂停执行")
    s.entry(
        focus_firm,
        "focus",
        severity="fairly_serious",
        determined_on="2024-01-10",
        act_date="2024-01-02",
        valid_until="2025-01-10",
        domain="environment",
        entry_id="FOCUS-1",
    )
    s.entry(  # a serious act within the focus entry's validity, listed by another department: W2 for DEPARTMENT
        focus_firm,
        "black",
        determined_on="2024-05-10",
        act_date="2024-05-02",
        domain="environment",
        department="大庆市生态环境局",
    )
    for i, domain in enumerate(("tax", "finance", "environment")):
        s.entry(
            warned_firm,
            "focus",
            severity="general",
            determined_on=f"2024-0{i + 2}-01",
            act_date=f"2024-0{i + 1}-20",
            valid_until="2025-12-31",
            domain=domain,
            entry_id=f"W1-{i}",
        )
    return s, world, Archive(exited_firm, exited_person, revoked_firm, suspended_firm, focus_firm, warned_firm)


App = tuple[TestClient, Keys, World, Archive]


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    scenario, world, archive = _world()
    root = tmp_path_factory.mktemp(f"disclosure-{request.param}")
    if request.param == "embedded":
        with running_app(root, scenario, profile=PROFILE) as (client, keys, _db):
            yield client, keys, world, archive
        return
    if not PARITY:
        pytest.skip("GRAPHSVC_TEST_STORES=embedded: the Bolt server is not used")
    server = request.getfixturevalue("bolt_server")
    empty_database(request.getfixturevalue("bolt_driver"), server)
    with pytest.MonkeyPatch.context() as env:
        point_at(server, env)
        with Neo4jStore(Neo4jSettings.from_env()) as neo:
            load_directory(scenario.write(root / "data"), neo)
        keys = write_keys(root / "keys.json")
        settings = dataclasses.replace(
            settings_for(root, root / "unused.duckdb", root / "keys.json", PROFILE), store="neo4j"
        )
        with TestClient(create_app(settings)) as client:
            yield client, keys, world, archive


def _headers(keys: Keys, tier: str) -> dict[str, str]:
    return {} if tier == "public" else keys.header(tier)


def _text(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> str:
    answer = client.get(path, params=params, headers=headers)
    assert answer.status_code in (200, 404), (path, answer.status_code, answer.text)
    return answer.text


# -- the archive: entries out of force, and every record naming one ------------------------------------------------
# Who sees the archive: the authorised and admin tiers, and the department that provided the entries (the
# government key here; "other_department" is 大庆市税务局's key, "reader" a key of no department).
ARCHIVE_SEEN = {"public": False, "reader": False, "other_department": False, "government": True, "admin": True}


@pytest.mark.parametrize("tier", sorted(ARCHIVE_SEEN))
@pytest.mark.parametrize(
    "endpoint",
    ["profile", "decision", "derived", "derived.csv", "warnings", "warnings.csv", "statistics"],
)
def test_the_archive_reaches_only_those_who_may_see_it(app: App, tier: str, endpoint: str) -> None:
    client, keys, _world, archive = app
    headers = _headers(keys, tier)
    if endpoint == "profile":
        texts = [_text(client, f"/v1/subjects/{sid}", headers) for sid in _archived_subjects(archive)]
    elif endpoint == "decision":
        texts = [_text(client, "/v1/decisions", headers, subject_id=sid) for sid in _archived_subjects(archive)]
    elif endpoint == "statistics":
        body = client.get("/v1/statistics", params={"by": "list_type"}, headers=headers).json()
        # W4 records all name an exited entry: counted only for those who see the archive.
        assert ("W4" in body["by_rule"]) is ARCHIVE_SEEN[tier], body
        return
    else:
        name, _, fmt = endpoint.partition(".")
        texts = [_text(client, f"/v1/{name}", headers, limit=1000, format=fmt or "json")]
    named = {entry for entry in ARCHIVE for text in texts if entry in text}
    if not ARCHIVE_SEEN[tier]:
        assert named == set(), (endpoint, named)
    elif endpoint in ("profile",):
        assert named == set(ARCHIVE), named  # the entry history holds every archived entry
    elif endpoint != "decision":
        assert {"EXIT-1", "PEXIT-1"} <= named  # W4 names the exited entries


def _archived_subjects(archive: Archive) -> list[str]:
    return [archive.exited_firm, archive.exited_person, archive.revoked_firm, archive.suspended_firm]


def test_a_person_whose_only_entry_left_force_is_unknown_to_the_public(app: App) -> None:
    client, keys, _world, archive = app
    for path, params in (
        (f"/v1/subjects/{archive.exited_person}", {}),
        ("/v1/decisions", {"subject_id": archive.exited_person}),
    ):
        hidden = client.get(path, params=params)
        unknown_path = path.replace(archive.exited_person, "P-NO-SUCH")
        unknown = client.get(unknown_path, params={k: "P-NO-SUCH" for k in params})
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json()["detail"].replace(archive.exited_person, "X") == unknown.json()["detail"].replace(
            "P-NO-SUCH", "X"
        )
    # The department that listed him still sees him, his id number masked below the authorised tier.
    seen = client.get(f"/v1/subjects/{archive.exited_person}", headers=keys.header("government")).json()
    assert seen["subject"]["name"] == "钱进" and "*" in seen["subject"]["id_number"]
    assert [e["entry_id"] for e in seen["entry_history"]] == ["PEXIT-1"]


# -- effects: who is told -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tier", ["public", "government", "admin"])
def test_each_effect_reaches_its_audience(app: App, tier: str) -> None:
    """effects.yaml: W2 (a black-list candidate) and the other warnings are for the departments; the default profile
    publishes W1 (001 四(六) 向社会公众发出预警); the bans follow their published list."""
    client, keys, _world, _archive = app
    rules = {
        r["rule"]
        for r in client.get("/v1/derived", params={"limit": 1000}, headers=_headers(keys, tier)).json()["items"]
    }
    assert "W1" in rules and "P5" in rules
    assert ("W2" in rules) is (tier != "public")
    assert ("W3" in rules) is (tier != "public")
    warnings = client.get("/v1/warnings", params={"limit": 1000}, headers=_headers(keys, tier)).json()
    lists = set(warnings["counts"])
    assert "big_data_warning" in lists
    assert ("focus_to_black" in lists) is (tier != "public")
    assert ("appointment_ban_violation" in lists) is (tier != "public")


# -- dates and profiles -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/subjects/{listed}", {}),
        ("/v1/decisions", {"subject_id": "{listed}"}),
        ("/v1/derived", {}),
        ("/v1/warnings", {}),
        ("/v1/statistics", {"by": "list_type"}),
        ("/v1/announcements", {}),
    ],
)
def test_the_public_reads_the_service_date_and_profile_only(app: App, path: str, params: dict[str, str]) -> None:
    """A past date shows what was in force then (revoked, repaired, suspended entries among it): that is for the
    government tier and above; so is another profile's reading of the same facts."""
    client, keys, world, _archive = app
    path = path.format(listed=world.listed)
    params = {k: v.format(listed=world.listed) for k, v in params.items()}
    date_name = "on" if path == "/v1/announcements" else "date" if path == "/v1/decisions" else "as_of"
    assert client.get(path, params=params).status_code == 200
    assert client.get(path, params={**params, date_name: "2024-06-30"}).status_code == 200  # the service's date
    past = client.get(path, params={**params, date_name: "2024-05-15"})
    assert past.status_code == 403 and "2024-06-30" in past.json()["detail"]
    assert (
        client.get(path, params={**params, date_name: "2024-05-15"}, headers=keys.header("reader")).status_code == 200
    )
    if path != "/v1/announcements":
        other = client.get(path, params={**params, "profile": "jiangsu"})
        assert other.status_code == 403 and "profile" in other.json()["detail"]
        assert (
            client.get(path, params={**params, "profile": "jiangsu"}, headers=keys.header("reader")).status_code == 200
        )


def test_refusals_of_the_date_rule_are_audited(app: App) -> None:
    client, keys, _world, _archive = app
    client.get("/v1/derived", params={"as_of": "2023-01-01"})
    events = client.get("/v1/audit", headers=keys.header("admin")).json()
    refused = [e for e in events if e["endpoint"] == "/v1/derived" and e["status"] == 403]
    assert refused and "refused" in json.loads(refused[-1]["parameters"])


# -- the lists of lifecycle cases ----------------------------------------------------------------------------------
def test_cases_of_archived_entries_are_for_the_archive_audience(app: App) -> None:
    """An objection case of a revoked entry is the archive: its department and the admin see it, not another
    department."""
    client, keys, world, _archive = app
    filed = client.post(
        f"/v1/entries/{world.black_entry}/objections",
        json={
            "filer": "红黑冲突食品有限公司",
            "filed_on": "2024-06-28",
            "grounds": "inaccurate",
            "statement": "认定有误",
        },
        headers=keys.header("government"),
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]
    decided = client.post(
        f"/v1/objections/{case_id}/decision",
        json={"decided_on": "2024-06-29", "outcome": "upheld", "reason": "认定错误，撤销"},
        headers=keys.header("government"),
    )
    assert decided.status_code == 200, decided.text
    seen = {
        tier: [c["case_id"] for c in client.get("/v1/objections", headers=keys.header(tier)).json()["items"]]
        for tier in ("government", "admin", "other_department", "reader")
    }
    assert case_id in seen["government"] and case_id in seen["admin"]
    assert case_id not in seen["other_department"] and case_id not in seen["reader"]


# -- persons' identifiers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("tier", "masked"), [("government", True), ("authorised", False), ("admin", False)])
def test_id_numbers_are_masked_below_the_authorised_tier(app: App, tier: str, masked: bool) -> None:
    client, keys, world, _archive = app
    if tier == "authorised":
        from tests.api_world import authorise

        authorise(client, keys, world.lr, f"AUTH-DISCLOSURE-{world.lr}")
        headers = keys.header("authorised", f"AUTH-DISCLOSURE-{world.lr}")
    else:
        headers = keys.header(tier)
    subject = client.get(f"/v1/subjects/{world.lr}", headers=headers).json()["subject"]
    assert ("*" in subject["id_number"]) is masked


def test_the_public_csv_masks_person_names(app: App) -> None:
    client, _keys, world, _archive = app
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/derived", params={"format": "csv"}).text)))
    about_lr = [r for r in rows if r["subject_id"] == world.lr]
    assert about_lr and all("张伟" not in r["explanation"] for r in about_lr)
