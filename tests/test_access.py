"""Who may write what, who may see which version, and what an authorisation opens (issue 10, items 1-4, 8).

The world is tests/api_world.py's: every entry was designated by 大庆市市场监督管理局 (DEPARTMENT) except the red
entry of 红黑冲突 (大庆市税务局). 密云建设's black entry is authorised-scope (授权查询): a government key of
DEPARTMENT may not read it, so it may not write it either, and may not even learn that it exists. Each test runs
on the embedded store and on the Neo4j store (a local Bolt server).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.tiers import Tier, add_key, revoke_key
from graphsvc.identifiers import make_uscc
from tests.api_world import (
    AUTHORISED_KEY,
    DEPARTMENT,
    GOVERNMENT_KEY,
    OTHER_DEPARTMENT,
    Keys,
    World,
    authorise,
    build_world,
    serving,
)
from tests.test_formats import _entity

PROBLEM = "application/problem+json"
FIRM_230602 = make_uscc("9", "1", "230602", "00000098")  # a firm of 萨尔图区 the world does not hold
App = tuple[TestClient, Keys, World, Path]


@pytest.fixture(params=["embedded", "neo4j"])
def app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    scenario, world = build_world()
    with serving(request.param, tmp_path, scenario, request, monkeypatch) as (client, keys):
        yield client, keys, world, tmp_path / "keys.json"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def entry_body(world: World, **changes: str) -> dict[str, str]:
    return {
        "entry_id": "E-NEW-1",
        "subject_id": world.clean_firm,
        "list_type": "focus",
        "domain": "food_drug",
        "department": DEPARTMENT,
        "determined_on": "2024-05-01",
        "scope": "public",
    } | changes


def _upload(client: TestClient, headers: dict[str, str], entities: list[Any]) -> Any:
    body = "\n".join(json.dumps(e.to_dict(), ensure_ascii=False) for e in entities).encode()
    content = {**headers, "Content-Type": "application/x-ndjson"}
    return client.post("/v1/loads", content=body, params={"format": "ftm"}, headers=content)


def current_entry(client: TestClient, keys: Keys, subject_id: str, entry_id: str) -> dict[str, Any]:
    history = client.get(f"/v1/subjects/{subject_id}", headers=keys.header("admin")).json()["entry_history"]
    (current,) = [e for e in history if e["entry_id"] == entry_id and e["superseded_at"] is None]
    return dict(current)


def audit(client: TestClient, keys: Keys) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = client.get("/v1/audit", headers=keys.header("admin")).json()
    return events


# -- 1. departments and scopes limit writes -------------------------------------------------------------------
def test_a_government_key_cannot_rewrite_an_authorised_entry_or_learn_its_content(app: App) -> None:
    client, keys, world, _ = app
    secret = current_entry(client, keys, world.secret_firm, world.secret_entry)
    gov = keys.header("government")  # DEPARTMENT designated the entry, but its key may not read 授权查询
    republished = {k: secret[k] for k in ("entry_id", "subject_id", "list_type", "domain", "severity", "department")}
    republished |= {"determined_on": str(secret["determined_on"]), "scope": "public"}
    refused = problem(client.post("/v1/entries", json=republished, headers=gov), 403)
    # Re-posting the unchanged content gets the same refusal: no "unchanged" that confirms a guess.
    same = problem(client.post("/v1/entries", json=republished | {"scope": "authorised"}, headers=gov), 403)
    assert refused["detail"] == same["detail"] and "already used" in refused["detail"]
    assert current_entry(client, keys, world.secret_firm, world.secret_entry)["scope"] == "authorised"
    public = client.get(f"/v1/subjects/{world.secret_firm}").json()
    assert world.secret_entry not in {e["entry_id"] for e in public["entry_history"]}


def test_another_department_may_not_change_an_entrys_status(app: App) -> None:
    client, keys, world, _ = app
    url = f"/v1/entries/{world.listed_entry}/status"
    body = {"status": "revoked", "since": "2024-06-01"}
    refused = problem(client.post(url, json=body, headers=keys.header("other_department")), 403)
    assert DEPARTMENT in refused["detail"] and OTHER_DEPARTMENT in refused["detail"]
    assert current_entry(client, keys, world.listed, world.listed_entry)["status"] == "active"
    # Its own department may.
    assert client.post(url, json=body, headers=keys.header("government")).status_code == 201


def test_a_key_without_department_reads_but_does_not_write_department_entries(app: App) -> None:
    client, keys, world, _ = app
    reader = keys.header("reader")
    assert client.get(f"/v1/subjects/{world.listed}", headers=reader).status_code == 200
    problem(client.post("/v1/entries", json=entry_body(world), headers=reader), 403)
    status = {"status": "suspended", "since": "2024-06-01"}
    problem(client.post(f"/v1/entries/{world.listed_entry}/status", json=status, headers=reader), 403)
    # An entry of no department is no one's: any key that writes may write it.
    created = client.post("/v1/entries", json=entry_body(world, department=""), headers=reader)
    assert created.status_code == 201, created.text


def test_delegation_and_admin(app: App) -> None:
    client, keys, world, _ = app
    gov = keys.header("government")  # delegated for 哈尔滨市市场监督管理局, not for the tax bureau
    delegated = entry_body(world, entry_id="E-HRB", department="哈尔滨市市场监督管理局")
    assert client.post("/v1/entries", json=delegated, headers=gov).status_code == 201
    problem(
        client.post("/v1/entries", json=entry_body(world, entry_id="E-TAX", department=OTHER_DEPARTMENT), headers=gov),
        403,
    )
    # A government key may not create what it may not read.
    problem(client.post("/v1/entries", json=entry_body(world, entry_id="E-AUTH", scope="authorised"), headers=gov), 403)
    # Admin keeps everything: it may re-scope the authorised entry.
    secret = current_entry(client, keys, world.secret_firm, world.secret_entry)
    fields = ("entry_id", "subject_id", "list_type", "domain", "severity", "department", "status", "published_by")
    body = {k: secret[k] for k in fields}
    body |= {"determined_on": secret["determined_on"], "published_on": secret["published_on"], "scope": "government"}
    assert client.post("/v1/entries", json=body, headers=keys.header("admin")).status_code == 201
    assert current_entry(client, keys, world.secret_firm, world.secret_entry)["status"] == "active"


def test_a_key_with_a_region_writes_only_about_subjects_in_it_or_its_subregions(app: App) -> None:
    """Regions written as division codes (GB/T 2260) nest by prefix: 萨尔图区 230602 lies in 大庆市 230600; 龙凤区
    230603 does not hold it, and a region written as a name (大庆市) matches only that name."""
    client, keys, world, key_file = app

    def key(key_id: str, region: str) -> dict[str, str]:
        return {"X-API-Key": add_key(key_file, key_id, Tier.GOVERNMENT, department=DEPARTMENT, region=region)}

    city, saertu, longfeng, named = (
        key("daqing-city", "230600"),
        key("saertu", "230602"),
        key("longfeng", "230603"),
        key("daqing-named", "大庆市"),
    )
    suspend = {"status": "suspended", "since": "2024-06-30"}
    url = f"/v1/entries/{world.listed_entry}/status"  # 大庆豪丰电力, region 230602
    for outside in (longfeng, named):
        refused = problem(client.post(url, json=suspend, headers=outside), 403)
        assert refused["title"] == "Not your region" and "230602" in refused["detail"]
        objection = {"filer": "x", "filed_on": "2024-06-30", "grounds": "other", "statement": "y"}
        problem(client.post(f"/v1/entries/{world.listed_entry}/objections", json=objection, headers=outside), 403)
    violations = {"warning_list": "appointment_ban_violation"}
    warning = client.get("/v1/warnings", params=violations, headers=keys.header("reader")).json()["items"][0]
    decision = {"state": "confirmed", "reason": "核实属实"}
    problem(client.post(f"/v1/warnings/{warning['warning_id']}/decision", json=decision, headers=longfeng), 403)
    # Harbin (230103) is not the district's; a new entry of a firm there is refused
    harbin = problem(client.post("/v1/entries", json=entry_body(world, entry_id="E-HRB-2"), headers=saertu), 403)
    assert harbin["title"] == "Not your region"
    # the city's key writes for its districts, the district's for itself
    assert client.post(url, json=suspend, headers=city).status_code == 201
    assert client.post(url, json={"status": "active", "since": "2024-06-30"}, headers=saertu).status_code == 201
    assert client.post("/v1/entries", json=entry_body(world, subject_id=world.other), headers=saertu).status_code == 201


def test_a_departments_designation_starts_as_candidate_and_only_a_published_list_comes_in_force(app: App) -> None:
    """LST-10, 004 JI(六) 应实行事前告知: the department's own entry goes through notice; a list designated and
    published elsewhere comes in force as published, with both marks."""
    client, keys, world, _ = app
    gov = keys.header("government")
    own = entry_body(world, entry_id="E-OWN", list_type="black", severity="serious")
    skipped = problem(client.post("/v1/entries", json=own | {"status": "active"}, headers=gov), 422)
    [error] = skipped["errors"]
    assert error["column"] == "status" and "/notice" in error["reason"] and "LST-10" in error["reason"]
    assert client.post("/v1/entries", json=own, headers=gov).status_code == 201
    assert current_entry(client, keys, world.clean_firm, "E-OWN")["status"] == "candidate"
    published = entry_body(world, entry_id="E-PUB", status="active", published_by="国家发展改革委")
    problem(client.post("/v1/entries", json=published, headers=gov), 422)  # published_by without published_on
    for day, reason in (("2024-07-01", "after the load's date 2024-06-30"), ("2024-04-30", "before determined_on")):
        refused = problem(client.post("/v1/entries", json=published | {"published_on": day}, headers=gov), 422)
        assert reason in refused["errors"][0]["reason"]
    created = client.post("/v1/entries", json=published | {"published_on": "2024-05-02"}, headers=gov)
    assert created.status_code == 201, created.text
    entry = current_entry(client, keys, world.clean_firm, "E-PUB")
    assert (entry["status"], entry["published_by"], entry["published_on"]) == ("active", "国家发展改革委", "2024-05-02")
    in_force = client.get(f"/v1/subjects/{world.clean_firm}", headers=gov).json()["entries_in_force"]
    assert [e["entry_id"] for e in in_force] == ["E-PUB"]


def test_a_closed_entry_is_not_reopened_by_a_new_version(app: App) -> None:
    """EXIT-02/05: an exited entry stays out of force whatever a new version through intake or a load says."""
    client, keys, world, _ = app
    gov = keys.header("government")
    exit_ = {"status": "exited", "since": "2024-06-30"}
    assert client.post(f"/v1/entries/{world.listed_entry}/status", json=exit_, headers=gov).status_code == 201
    listed = current_entry(client, keys, world.listed, world.listed_entry)
    fields = ("entry_id", "subject_id", "list_type", "domain", "severity", "department", "scope", "published_by")
    body = {k: listed[k] for k in fields} | {k: listed[k] for k in ("determined_on", "published_on")}
    reopened = body | {"status": "active", "status_since": "2024-07-01"}
    refused = problem(client.post("/v1/entries", json=reopened, headers=gov), 422)
    assert "is exited since 2024-06-30" in refused["errors"][0]["reason"]
    # nor does a new version of an entry in force rewrite its status: status changes are dated steps
    defaulter = current_entry(client, keys, world.defaulter, world.defaulter_entry)
    body = {k: defaulter[k] for k in (*fields, "determined_on", "published_on")}
    demoted = problem(client.post("/v1/entries", json=body | {"status": "suspended"}, headers=gov), 422)
    assert "a new version keeps its status" in demoted["errors"][0]["reason"]
    # FtM: a sanction loaded as exited, then sent again as active
    lines = [
        _entity("Company", "c9", name="大庆某某有限公司", uscCode=FIRM_230602),
        _entity("Sanction", "S-9", entity="c9", authority=DEPARTMENT, listingDate="2024-05-01", status="exited"),
    ]
    assert _upload(client, gov, lines).status_code == 201
    lines[1] = _entity("Sanction", "S-9", entity="c9", authority=DEPARTMENT, listingDate="2024-05-01", status="active")
    again = problem(_upload(client, gov, lines), 422)
    assert "is exited since 2024-05-01" in again["errors"][0]["reason"]
    # A sanction nobody published is the department's own designation: a candidate, not in force.
    lines[1] = _entity("Sanction", "S-10", entity="c9", listingDate="2024-05-01")
    unmarked = problem(_upload(client, gov, lines), 422)
    assert "starts as candidate" in unmarked["errors"][0]["reason"]


def test_status_answers_do_not_reveal_entries_the_caller_may_not_see(app: App) -> None:
    client, keys, world, _ = app
    gov = keys.header("government")

    def answer(entry_id: str, body: dict[str, str]) -> tuple[int, str]:
        response = client.post(f"/v1/entries/{entry_id}/status", json=body, headers=gov)
        return response.status_code, response.json()["detail"].replace(entry_id, "ID")

    for body in (
        {"status": "revoked", "since": "2024-06-01"},  # allowed on the entry's status
        {"status": "active", "since": "2024-06-01"},  # not allowed from active (409 would tell its status)
        {"status": "suspended", "since": "1990-01-01"},  # before its determination (400 would tell the date)
    ):
        assert answer(world.secret_entry, body) == answer("E-DOES-NOT-EXIST", body)
        assert answer(world.secret_entry, body)[0] == 404
    assert current_entry(client, keys, world.secret_firm, world.secret_entry)["status"] == "active"


def test_a_finding_on_an_invisible_entry_is_answered_as_on_an_unknown_one(app: App) -> None:
    client, keys, world, _ = app
    gov = keys.header("government")

    def answer(entry_id: str) -> dict[str, Any]:
        finding = {"person_id": world.clean_person, "entry_id": entry_id, "basis": "处罚决定书"}
        body = problem(client.post("/v1/findings", json={"findings": [finding]}, headers=gov), 422)
        return json.loads(json.dumps(body).replace(entry_id, "ID"))

    assert answer(world.secret_entry) == answer("E-DOES-NOT-EXIST")
    other = {"person_id": world.clean_person, "entry_id": world.listed_entry}
    problem(client.post("/v1/findings", json={"findings": [other]}, headers=keys.header("other_department")), 403)


def test_a_warning_is_decided_by_its_department_only(app: App) -> None:
    client, keys, _world, _ = app
    listed = client.get(
        "/v1/warnings", params={"warning_list": "appointment_ban_violation"}, headers=keys.header("reader")
    )
    warning = listed.json()["items"][0]
    url = f"/v1/warnings/{warning['warning_id']}/decision"
    decision = {"state": "confirmed", "reason": "核实属实"}
    problem(client.post(url, json=decision, headers=keys.header("other_department")), 403)
    problem(client.post(url, json=decision, headers=keys.header("reader")), 403)
    assert client.post(url, json=decision, headers=keys.header("government")).status_code == 200


def test_every_refused_write_is_audited(app: App) -> None:
    client, keys, world, _ = app
    problem(client.post("/v1/entries", json=entry_body(world), headers=keys.header("other_department")), 403)
    body = {"status": "revoked", "since": "2024-06-01"}
    problem(client.post(f"/v1/entries/{world.secret_entry}/status", json=body, headers=keys.header("government")), 404)
    problem(client.post("/v1/entries", json=entry_body(world)), 403)  # public: tier too low
    refused = [e for e in audit(client, keys) if "refused" in json.loads(e["parameters"])]
    assert {(e["key_id"], e["endpoint"], e["status"]) for e in refused} >= {
        ("daqing-tax", "/v1/entries", 403),
        (GOVERNMENT_KEY, f"/v1/entries/{world.secret_entry}/status", 404),
        ("anonymous", "/v1/entries", 403),
    }


# -- 2. every version by its own scope ------------------------------------------------------------------------
def test_a_rescoped_entry_never_shows_its_restricted_version_to_a_lower_tier(app: App) -> None:
    client, keys, world, _ = app
    admin = keys.header("admin")
    listed = current_entry(client, keys, world.listed, world.listed_entry)
    kept = ("entry_id", "subject_id", "list_type", "domain", "severity", "department", "status", "published_by")
    body = {k: listed[k] for k in kept}
    body |= {"determined_on": listed["determined_on"], "published_on": listed["published_on"]}
    body |= {"scope": "authorised", "legal_basis": "密件 第7号"}
    assert client.post("/v1/entries", json=body, headers=admin).status_code == 201
    for headers in ({}, keys.header("government")):
        history = client.get(f"/v1/subjects/{world.listed}", headers=headers).json()["entry_history"]
        # never the restricted version (and, the entry being in force for them no more, not the archive either)
        assert all(e["scope"] == "public" for e in history), history
        assert "密件" not in json.dumps(history, ensure_ascii=False)
    everything = client.get(f"/v1/subjects/{world.listed}", headers=admin).json()["entry_history"]
    assert [e["scope"] for e in everything] == ["public", "authorised"]


# -- 3. authorisations -----------------------------------------------------------------------------------------
def test_an_authorisation_reference_must_name_an_authorisation_in_force_for_the_subject(app: App) -> None:
    client, keys, world, _ = app
    problem(client.get(f"/v1/subjects/{world.lr}", headers=keys.header("authorised", "ANYTHING")), 403)
    authorise(client, keys, world.lr, "AUTH-LR")
    authorise(client, keys, world.secret_lr, "AUTH-OLD", valid_from="2023-01-01", valid_until="2023-12-31")
    shown = client.get(f"/v1/subjects/{world.lr}", headers=keys.header("authorised", "AUTH-LR")).json()
    assert "*" not in shown["subject"]["id_number"]
    # It covers 张伟, not 孙丽; and an authorisation out of its window covers no one.
    problem(client.get(f"/v1/subjects/{world.secret_lr}", headers=keys.header("authorised", "AUTH-LR")), 403)
    problem(client.get(f"/v1/subjects/{world.secret_lr}", headers=keys.header("authorised", "AUTH-OLD")), 403)


def test_lists_show_authorised_items_only_for_the_covered_subject(app: App) -> None:
    client, keys, world, _ = app
    authorise(client, keys, world.lr, "AUTH-LR")
    authorise(client, keys, world.secret_lr, "AUTH-SUN")

    def sources(ref: str) -> set[str]:
        items = client.get("/v1/derived", params={"limit": 1000}, headers=keys.header("authorised", ref)).json()
        return {r["source_entry_id"] for r in items["items"]}

    assert world.secret_entry not in sources("AUTH-LR")
    assert world.secret_entry in sources("AUTH-SUN")
    assert world.listed_entry in sources("AUTH-LR")  # public and government items stay visible


def test_recording_authorisations(app: App) -> None:
    client, keys, world, _ = app
    mine = {
        "subject_id": world.lr,
        "grantee": AUTHORISED_KEY,
        "purpose": "本人查询 self-query",
        "valid_from": "2024-06-01",
        "valid_until": "2024-07-31",
        "proof_kind": "sms",
        "proof_ref": "SMS-2024-0601-8842",
    }
    # The authorised key records its own authorisation (no reference needed to do so) ...
    created = client.post("/v1/authorisations", json=mine, headers=keys.header("authorised"))
    assert created.status_code == 201, created.text
    ref = created.json()["authorisation_id"]
    assert created.json()["recorded_by"] == AUTHORISED_KEY
    assert client.get(f"/v1/subjects/{world.lr}", headers=keys.header("authorised", ref)).status_code == 200
    # ... never another key's; government keys record none; ids are never reused; windows run forward.
    problem(
        client.post("/v1/authorisations", json=mine | {"grantee": GOVERNMENT_KEY}, headers=keys.header("authorised")),
        403,
    )
    problem(client.post("/v1/authorisations", json=mine, headers=keys.header("government")), 403)
    problem(client.post("/v1/authorisations", json=mine | {"authorisation_id": ref}, headers=keys.header("admin")), 409)
    bad_window = mine | {"valid_from": "2024-08-01"}
    problem(client.post("/v1/authorisations", json=bad_window, headers=keys.header("admin")), 400)


# -- 4. keys live -------------------------------------------------------------------------------------------------
def test_a_revoked_key_stops_and_a_new_key_works_without_restart(app: App) -> None:
    client, keys, _world, key_file = app
    gov = keys.header("government")
    assert client.get("/v1/derived", headers=gov).status_code == 200
    revoke_key(key_file, GOVERNMENT_KEY)
    problem(client.get("/v1/derived", headers=gov), 401)
    fresh = add_key(key_file, "harbin-amr", Tier.GOVERNMENT, department="哈尔滨市市场监督管理局")
    assert client.get("/v1/derived", headers={"X-API-Key": fresh}).json()["tier"] == "government"


def test_failed_authentication_is_audited_without_the_key(app: App) -> None:
    client, keys, _world, _ = app
    problem(client.get("/v1/derived", headers={"X-API-Key": "gs_guessed-key"}), 401)
    (event,) = [e for e in audit(client, keys) if e["status"] == 401]
    assert event["key_id"].startswith("sha256:") and "gs_guessed-key" not in json.dumps(event)
    assert event["endpoint"] == "/v1/derived" and json.loads(event["parameters"])["address"]


# -- 8. public reach ----------------------------------------------------------------------------------------------
def test_the_public_cannot_walk_persons_without_public_records(app: App) -> None:
    client, _keys, world, _ = app
    unknown = problem(client.get("/v1/subjects/P99999"), 404)
    clean = problem(client.get(f"/v1/subjects/{world.clean_person}"), 404)
    assert clean["detail"].replace(world.clean_person, "ID") == unknown["detail"].replace("P99999", "ID")
    # 赵强's only entry is 政府共享: nothing public about him either.
    problem(client.get(f"/v1/subjects/{world.defaulter}"), 404)
    # A person with a public record in force is shown (masked); organisations are registry data.
    assert client.get(f"/v1/subjects/{world.lr}").json()["subject"]["name"] == "张*"
    assert client.get(f"/v1/subjects/{world.clean_firm}").status_code == 200


def test_the_public_decision_check_treats_a_person_with_nothing_public_as_unknown(app: App) -> None:
    """PRV-03: the public cannot walk the registry of persons: a person with nothing published is answered exactly
    as an id that does not exist, here as on the subject profile."""
    client, keys, world, _ = app
    hidden = problem(client.get("/v1/decisions", params={"subject_id": world.clean_person}), 404)
    unknown = problem(client.get("/v1/decisions", params={"subject_id": "P-NOBODY"}), 404)
    assert hidden["title"] == unknown["title"]
    assert hidden["detail"].replace(world.clean_person, "X") == unknown["detail"].replace("P-NOBODY", "X")
    listed = client.get("/v1/decisions", params={"subject_id": world.lr}).json()
    assert listed["subject"]["name"] and "*" in listed["subject"]["name"]  # a banned LR is public: masked
    gov = keys.header("government")
    government = client.get("/v1/decisions", params={"subject_id": world.clean_person}, headers=gov)
    assert government.json()["subject"]["name"] == "王芳"
