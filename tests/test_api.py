"""The HTTP API through the test client: every endpoint, tier and error.

The world (tests/api_world.py): 大庆豪丰 is on the serious-illegal list (public entry), so its legal
representative 张伟 and person in charge 李娜 may not lead other enterprises for 3 years (P5, PROP-05); 张伟
is legal representative of 大庆新源 today (a violation). 赵强 is a court defaulter on a government-scope entry
(P6, PROP-06). 密云建设 is black-listed on an authorised-scope entry. 红黑冲突 holds a red and a black entry (W3).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.cli import main as api_main
from graphsvc.cli import main as graphsvc_main
from tests.api_world import (
    AS_OF,
    GOVERNMENT_KEY,
    Keys,
    World,
    authorise,
    build_world,
    running_app,
    write_keys,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def world_app(tmp_path: Path) -> Iterator[tuple[TestClient, Keys, World, Path]]:
    scenario, world = build_world()
    with running_app(tmp_path, scenario) as (client, keys, db):
        authorise(client, keys, world.lr, "AUTH-2024-0042")
        yield client, keys, world, db


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Keys, World, Path]]:
    """One app for the tests that only read."""
    scenario, world = build_world()
    with running_app(tmp_path_factory.mktemp("api"), scenario) as (client, keys, db):
        authorise(client, keys, world.lr, "AUTH-2024-0042")
        yield client, keys, world, db


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# -- system ---------------------------------------------------------------------------------------------------
def test_health_and_readiness(shared: Any) -> None:
    client, _keys, _world, _db = shared
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["store"] == "embedded" and ready["subjects"] == 11


def test_openapi_lists_every_endpoint_with_problem_answers(shared: Any) -> None:
    client, _keys, _world, _db = shared
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/v1/subjects/{subject_id}",
        "/v1/decisions",
        "/v1/entries",
        "/v1/entries/batch",
        "/v1/findings",
        "/v1/entries/{entry_id}/status",
        "/v1/derived",
        "/v1/warnings",
        "/v1/warnings/{warning_id}/decision",
        "/v1/statistics",
        "/v1/evaluations",
        "/v1/audit",
        "/health",
        "/ready",
    } <= paths
    errors = schema["paths"]["/v1/decisions"]["get"]["responses"]["403"]["content"]
    assert list(errors) == [PROBLEM]


def test_unknown_path_and_method_are_problems(shared: Any) -> None:
    client, _keys, _world, _db = shared
    assert "see /docs" in problem(client.get("/v1/nothing-here"), 404)["detail"]
    problem(client.delete("/v1/derived"), 405)


# -- tiers and masking (PRV-03, PRV-04) -----------------------------------------------------------------------
def test_public_tier_masks_person_names_and_id_numbers_everywhere(shared: Any) -> None:
    client, _keys, world, _db = shared
    body = client.get(f"/v1/subjects/{world.lr}").json()
    assert body["tier"] == "public"
    assert body["subject"]["name"] == "张*"
    assert "*" in body["subject"]["id_number"] and len(body["subject"]["id_number"]) == 18
    assert body["derived"], "the P5 ban is on a public entry: the public sees it"
    assert all("张伟" not in r["explanation"] for r in body["derived"])
    assert all(r["source_name"] != "张伟" for r in body["roles"])


def test_government_tier_sees_names_but_not_id_numbers(shared: Any) -> None:
    client, keys, world, _db = shared
    body = client.get(f"/v1/subjects/{world.lr}", headers=keys.header("government")).json()
    assert body["tier"] == "government"
    assert body["subject"]["name"] == "张伟"
    assert "*" in body["subject"]["id_number"]
    assert any("张伟" in r["explanation"] for r in body["derived"])


def test_authorised_tier_needs_an_authorisation_reference_and_then_sees_id_numbers(shared: Any) -> None:
    client, keys, world, _db = shared
    refused = problem(client.get(f"/v1/subjects/{world.lr}", headers=keys.header("authorised")), 403)
    assert "X-Authorisation-Ref" in refused["detail"]
    body = client.get(f"/v1/subjects/{world.lr}", headers=keys.header("authorised", "AUTH-2024-0042")).json()
    assert "*" not in body["subject"]["id_number"]
    assert body["tier"] == "authorised"


def test_unknown_key_is_401_and_no_key_is_public(shared: Any) -> None:
    client, _keys, world, _db = shared
    assert "X-API-Key" in problem(client.get("/v1/derived", headers={"X-API-Key": "gs_wrong"}), 401)["detail"]
    assert client.get(f"/v1/subjects/{world.lr}").status_code == 200


def test_scopes_limit_what_each_tier_sees(shared: Any) -> None:
    client, keys, world, _db = shared

    def entries(headers: dict[str, str]) -> set[str]:
        items = client.get("/v1/derived", params={"limit": 1000}, headers=headers).json()["items"]
        return {r["source_entry_id"] for r in items}

    public = entries({})
    government = entries(keys.header("government"))
    admin = entries(keys.header("admin"))
    assert world.listed_entry in public
    assert world.defaulter_entry not in public and world.defaulter_entry in government
    assert world.secret_entry not in government and world.secret_entry in admin


# -- subject profile -------------------------------------------------------------------------------------------
def test_subject_profile_has_roles_entries_and_explained_records(shared: Any) -> None:
    client, keys, world, _db = shared
    body = client.get(f"/v1/subjects/{world.listed}", headers=keys.header("government")).json()
    assert body["subject"]["name"] == "大庆豪丰电力工程有限公司"
    assert {(r["source_id"], r["role"]) for r in body["roles"]} == {
        (world.lr, "legal_representative"),
        (world.pic, "person_in_charge"),
    }
    assert [e["entry_id"] for e in body["entries_in_force"]] == [world.listed_entry]
    assert body["entries_in_force"][0]["status"] == "active"
    assert [e["entry_id"] for e in body["entry_history"]] == [world.listed_entry]
    person = client.get(f"/v1/subjects/{world.lr}", headers=keys.header("government")).json()
    ban = next(r for r in person["derived"] if r["effect"] == "appointment_ban")
    assert ban["rule"] == "P5" and "PROP-05" in ban["citation"] and ban["source_entry_id"] == world.listed_entry
    assert ban["path"].startswith(world.lr) and ban["explanation"]


def test_unknown_subject_is_404_with_what_to_check(shared: Any) -> None:
    client, _keys, _world, _db = shared
    assert "check the id" in problem(client.get("/v1/subjects/NOPE"), 404)["detail"]


def test_unknown_profile_and_bad_date_are_client_errors(shared: Any) -> None:
    client, _keys, world, _db = shared
    problem(client.get(f"/v1/subjects/{world.lr}", params={"profile": "atlantis"}), 400)
    # A request may not make the service read files: profiles by path are for the operator only.
    assert "choose one of" in problem(client.get("/v1/derived", params={"profile": "/etc/x.yaml"}), 400)["detail"]
    body = problem(client.get(f"/v1/subjects/{world.lr}", params={"as_of": "2024-13-01"}), 422)
    assert body["errors"][0]["column"] == "as_of"


# -- decision check (LOOP-06) ----------------------------------------------------------------------------------
def decision(client: TestClient, headers: dict[str, str] | None = None, **params: str) -> dict[str, Any]:
    response = client.get("/v1/decisions", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_banned_person_may_not_be_appointed_legal_representative_of_another_enterprise(shared: Any) -> None:
    client, keys, world, _db = shared
    answer = decision(
        client,
        keys.header("government"),
        subject_id=world.lr,
        action="appoint_legal_representative",
        enterprise_id=world.clean_firm,
    )
    assert answer["verdict"] == "blocked"
    blocking = [r for r in answer["reasons"] if r["verdict"] == "blocked"]
    assert [(r["rule"], r["effect"], r["source_entry_id"]) for r in blocking] == [
        ("P5", "appointment_ban", world.listed_entry)
    ]
    assert "PROP-05" in blocking[0]["citation"] and blocking[0]["path"] and blocking[0]["legal_basis"]


def test_ban_is_on_other_enterprises_so_the_listed_firm_itself_is_for_review(shared: Any) -> None:
    client, keys, world, _db = shared
    answer = decision(
        client,
        keys.header("government"),
        subject_id=world.pic,
        action="appoint_person_in_charge",
        enterprise_id=world.listed,
    )
    assert answer["verdict"] == "review"


def test_clean_person_may_be_appointed(shared: Any) -> None:
    client, keys, world, _db = shared
    params = {"subject_id": world.clean_person, "action": "appoint_legal_representative", "enterprise_id": world.other}
    answer = decision(client, keys.header("government"), **params)
    assert answer == answer | {"verdict": "allowed", "reasons": [], "date": AS_OF, "profile": "daqing"}
    # The public may not see a person with nothing published: the same answer as for an id that does not exist.
    hidden = problem(client.get("/v1/decisions", params=params), 404)
    unknown = problem(client.get("/v1/decisions", params={**params, "subject_id": "P-NO-SUCH"}), 404)
    assert hidden["title"] == unknown["title"]
    assert hidden["detail"].replace(world.clean_person, "ID") == unknown["detail"].replace("P-NO-SUCH", "ID")


def test_court_defaulter_blocked_as_lr_of_public_institution_only_for_tiers_that_see_the_entry(shared: Any) -> None:
    client, keys, world, _db = shared
    params = {
        "subject_id": world.defaulter,
        "action": "appoint_legal_representative",
        "enterprise_id": world.institution,
    }
    assert decision(client, keys.header("government"), **params)["verdict"] == "blocked"
    # The entry is 政府共享: the public tier does not see it, nor the person, who has nothing published.
    problem(client.get("/v1/decisions", params=params), 404)
    # An enterprise is not a public institution: PROP-06 does not bar it; the person's own entry is for review.
    enterprise = decision(
        client,
        keys.header("government"),
        subject_id=world.defaulter,
        action="appoint_legal_representative",
        enterprise_id=world.clean_firm,
    )
    assert enterprise["verdict"] == "review"


def test_black_listed_subject_may_not_receive_red_incentives(shared: Any) -> None:
    client, keys, world, _db = shared
    answer = decision(client, keys.header("admin"), subject_id=world.secret_firm, action="grant_red_incentive")
    assert answer["verdict"] == "blocked"
    assert decision(client, subject_id=world.secret_firm, action="grant_red_incentive")["verdict"] == "allowed"
    conflicted = decision(client, keys.header("government"), subject_id=world.conflicted, action="grant_red_incentive")
    assert conflicted["verdict"] == "blocked"
    assert {r["rule"] for r in conflicted["reasons"] if r["kind"] == "derived"} == {"W3"}
    # The red/black conflict is for the departments to resolve (effects.yaml audience): the public sees the black
    # entry, which blocks on its own, and no W3 record.
    public = decision(client, subject_id=world.conflicted, action="grant_red_incentive")
    assert public["verdict"] == "blocked" and not [r for r in public["reasons"] if r["kind"] == "derived"]


def test_tender_admission_blocked_by_a_punishment_list(shared: Any) -> None:
    client, _keys, world, _db = shared
    assert decision(client, subject_id=world.listed, action="admit_to_tender")["verdict"] == "blocked"
    assert decision(client, subject_id=world.clean_firm, action="admit_to_tender")["verdict"] == "allowed"


def test_decision_errors_say_what_to_fix(shared: Any) -> None:
    client, _keys, world, _db = shared
    missing = problem(
        client.get("/v1/decisions", params={"subject_id": world.lr, "action": "appoint_legal_representative"}), 400
    )
    assert "enterprise_id" in missing["detail"]
    problem(client.get("/v1/decisions", params={"subject_id": "NOPE"}), 404)
    problem(client.get("/v1/decisions", params={"subject_id": world.lr, "action": "launch_rocket"}), 422)
    problem(client.get("/v1/decisions"), 422)
    unknown_org = problem(
        client.get(
            "/v1/decisions",
            params={"subject_id": world.lr, "action": "appoint_legal_representative", "enterprise_id": "NOPE"},
        ),
        404,
    )
    assert "enterprise_id" in unknown_org["detail"]


# -- derived records: filters, sorting, paging, CSV -------------------------------------------------------------
def test_derived_filters_sort_page_and_export(shared: Any) -> None:
    client, keys, world, _db = shared
    gov = keys.header("government")
    p5 = client.get("/v1/derived", params={"rule": "P5"}, headers=gov).json()
    assert p5["total"] == 3 and {r["rule"] for r in p5["items"]} == {"P5"}  # 2 bans, 1 violation
    by_list = client.get("/v1/derived", params={"list_type": "court_defaulter"}, headers=gov).json()
    assert {r["subject_id"] for r in by_list["items"]} == {world.defaulter}
    by_domain = client.get("/v1/derived", params={"domain": "food_drug"}, headers=gov).json()
    assert {r["subject_id"] for r in by_domain["items"]} == {world.conflicted}
    by_region = client.get("/v1/derived", params={"region": "110228"}, headers=keys.header("admin")).json()
    assert {r["subject_id"] for r in by_region["items"]} == {world.secret_lr}
    assert client.get("/v1/derived", params={"region": "110228"}, headers=gov).json()["total"] == 0
    page = client.get("/v1/derived", params={"sort": "-subject_id,rule", "limit": 2, "offset": 1}, headers=gov).json()
    everything = client.get("/v1/derived", params={"sort": "-subject_id,rule", "limit": 1000}, headers=gov).json()
    assert page["items"] == everything["items"][1:3] and page["total"] == everything["total"]
    ids = [r["subject_id"] for r in everything["items"]]
    assert ids == sorted(ids, reverse=True)
    old = client.get("/v1/derived", params={"date_to": "2023-12-31"}, headers=gov).json()
    assert old["total"] == 0
    exported = client.get("/v1/derived", params={"rule": "P5", "format": "csv"}, headers=gov)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3 and rows[0]["citation"]


def test_derived_bad_parameters(shared: Any) -> None:
    client, _keys, _world, _db = shared
    assert "sort by any of" in problem(client.get("/v1/derived", params={"sort": "password"}), 400)["detail"]
    problem(client.get("/v1/derived", params={"limit": 0}), 422)
    problem(client.get("/v1/derived", params={"date_from": "2024-02-01", "date_to": "2024-01-01"}), 400)


def test_statistics_by_every_dimension(shared: Any) -> None:
    client, keys, _world, _db = shared
    gov = keys.header("government")
    by_list = client.get("/v1/statistics", params={"by": "list_type"}, headers=gov).json()
    rows = {r["key"]: r for r in by_list["rows"]}
    assert rows["serious_illegal"]["entries"] == 1 and rows["court_defaulter"]["entries"] == 1
    assert "black" in rows and "authorised" not in json.dumps(rows)
    assert by_list["by_rule"]["P5"] == 3
    public = client.get("/v1/statistics", params={"by": "list_type"}).json()
    assert "court_defaulter" not in {r["key"] for r in public["rows"]}
    for by in ("domain", "region", "department", "month"):
        answer = client.get("/v1/statistics", params={"by": by}, headers=gov).json()
        # Four entries in force (the red one left force with the black entry, W3); the authorised-scope one is not
        # counted for a government key.
        assert answer["by"] == by and sum(r["entries"] for r in answer["rows"]) == 3
    months = {r["key"] for r in client.get("/v1/statistics", params={"by": "month"}, headers=gov).json()["rows"]}
    assert "2024-03" in months
    problem(client.get("/v1/statistics", params={"by": "colour"}), 422)


# -- warnings and their lifecycle -------------------------------------------------------------------------------
def test_warning_lists_and_counts(shared: Any) -> None:
    client, keys, world, _db = shared
    body = client.get("/v1/warnings", headers=keys.header("government")).json()
    assert body["counts"] == {"appointment_ban_violation": 1, "red_black_conflict": 1}
    violation = next(w for w in body["items"] if w["warning_list"] == "appointment_ban_violation")
    assert violation["subject_id"] == world.lr and violation["related_id"] == world.other
    assert violation["state"] == "new" and violation["warning_id"] == violation["record_id"]
    only = client.get("/v1/warnings", params={"warning_list": "red_black_conflict"}, headers=keys.header("government"))
    assert [w["subject_id"] for w in only.json()["items"]] == [world.conflicted]
    # Warnings are for the departments (effects.yaml audience): the public sees none of these lists.
    assert client.get("/v1/warnings").json()["total"] == 0
    assert client.get("/v1/warnings", params={"state": "confirmed"}).json()["total"] == 0


def test_confirm_a_warning_once_with_reason_and_keep_it_across_reevaluation(world_app: Any) -> None:
    client, keys, world, _db = world_app
    gov = keys.header("government")
    warning = client.get("/v1/warnings", params={"warning_list": "appointment_ban_violation"}, headers=gov).json()
    warning_id = warning["items"][0]["warning_id"]
    url = f"/v1/warnings/{warning_id}/decision"
    assert "government" in problem(client.post(url, json={"state": "confirmed", "reason": "核实属实"}), 403)["detail"]
    problem(client.post(url, json={"state": "confirmed", "reason": ""}, headers=gov), 422)
    problem(client.post(url, json={"state": "maybe", "reason": "?"}, headers=gov), 422)
    decided = client.post(url, json={"state": "confirmed", "reason": "核实属实，已通知登记机关"}, headers=gov)
    assert decided.status_code == 200, decided.text
    assert decided.json() | {} == decided.json() and decided.json()["state"] == "confirmed"
    assert decided.json()["decided_by"] == GOVERNMENT_KEY
    again = problem(client.post(url, json={"state": "dismissed", "reason": "改判"}, headers=gov), 409)
    assert GOVERNMENT_KEY in again["detail"]
    # A re-evaluation and a new load change nothing about the decision: the warning's id is its content.
    assert client.post("/v1/evaluations", json={}, headers=keys.header("admin")).status_code == 200
    new_entry = {
        "entry_id": "E-NEW-1",
        "subject_id": world.clean_firm,
        "list_type": "abnormal_operation",
        "domain": "market_supervision",
        "determined_on": "2024-05-01",
        "scope": "public",
    }
    assert client.post("/v1/entries", json=new_entry, headers=gov).status_code == 201
    still = client.get("/v1/warnings", params={"state": "confirmed"}, headers=gov).json()
    assert [w["warning_id"] for w in still["items"]] == [warning_id]
    problem(
        client.post(
            "/v1/warnings/d-0000000000000000/decision", json={"state": "confirmed", "reason": "x"}, headers=gov
        ),
        404,
    )


# -- intake, findings, status changes ------------------------------------------------------------------------------
def test_entry_intake_needs_government_tier_and_takes_effect_after_notice(world_app: Any) -> None:
    """LST-10 (004 JI(六) 应实行事前告知): the department's own designation is a candidate until the subject was
    notified, the reply window passed and the department activated it."""
    client, keys, world, _db = world_app
    entry = {
        "entry_id": "E-2024-9001",
        "subject_id": world.clean_firm,
        "list_type": "black",
        "domain": "food_drug",
        "severity": "serious",
        "department": "哈尔滨市市场监督管理局",
        "act_date": "2024-04-01",
        "determined_on": "2024-05-01",
        "scope": "public",
        "legal_basis": "《食品安全法》第一百三十五条",
    }
    problem(client.post("/v1/entries", json=entry), 403)
    created = client.post("/v1/entries", json=entry, headers=keys.header("government"))
    assert created.status_code == 201, created.text
    assert created.json()["inserted"] == {"entries": 1} and created.json()["ids"] == ["E-2024-9001"]
    entries = client.get(f"/v1/subjects/{world.clean_firm}", headers=keys.header("admin")).json()
    assert [(e["entry_id"], e["status"]) for e in entries["entry_history"]] == [("E-2024-9001", "candidate")]
    derived = {"subject_id": world.clean_person, "rule": "P1"}
    assert client.get("/v1/derived", params=derived).json()["items"] == []
    gov = keys.header("government")
    told = client.post("/v1/entries/E-2024-9001/notice", json={"on": "2024-06-03"}, headers=gov)
    assert told.status_code == 200, told.text
    assert told.json()["reply_by"] == "2024-06-11"
    activated = client.post("/v1/entries/E-2024-9001/activation", json={"on": "2024-06-12"}, headers=gov)
    assert activated.status_code == 200, activated.text
    # P1 now reaches the firm's legal representative (PROP-01).
    records = client.get("/v1/derived", params=derived).json()["items"]
    assert [r["source_entry_id"] for r in records] == ["E-2024-9001"]
    same = client.post("/v1/entries", json=entry, headers=keys.header("government")).json()
    assert same["unchanged"] == {"entries": 1} and same["inserted"] == {"entries": 0}


def test_batch_intake_is_all_or_nothing_with_every_problem_listed(world_app: Any) -> None:
    client, keys, world, _db = world_app
    good = {
        "entry_id": "E-B-1",
        "subject_id": world.clean_firm,
        "list_type": "focus",
        "domain": "food_drug",
        "determined_on": "2024-05-01",
        "scope": "public",
    }
    bad_domain = good | {"entry_id": "E-B-2", "domain": "astrology"}
    unknown_subject = good | {"entry_id": "E-B-3", "subject_id": "91000000NOBODY0000"}
    body = problem(
        client.post(
            "/v1/entries/batch",
            json={"entries": [good, bad_domain, unknown_subject]},
            headers=keys.header("government"),
        ),
        422,
    )
    where = {(e["row"], e["column"]) for e in body["errors"]}
    assert (3, "domain") in where and (4, "subject_id") in where
    assert "nothing was loaded" in body["detail"]
    listed = client.get(f"/v1/subjects/{world.clean_firm}", headers=keys.header("government")).json()
    assert listed["entry_history"] == []
    ok = client.post("/v1/entries/batch", json={"entries": [good]}, headers=keys.header("government"))
    assert ok.status_code == 201


def test_prohibited_personal_data_is_refused_on_intake(world_app: Any) -> None:
    client, keys, world, _db = world_app
    entry = {
        "entry_id": "E-X",
        "subject_id": world.clean_person,
        "list_type": "focus",
        "domain": "food_drug",
        "determined_on": "2024-05-01",
        "scope": "public",
        "blood_type": "AB",
    }
    body = problem(client.post("/v1/entries", json=entry, headers=keys.header("government")), 422)
    assert any(e["column"] == "blood_type" and "prohibited" in e["reason"] for e in body["errors"])


def test_malformed_json_and_wrong_types_are_problems(world_app: Any) -> None:
    client, keys, _world, _db = world_app
    gov = keys.header("government") | {"content-type": "application/json"}
    problem(client.post("/v1/entries", content=b"{not json", headers=gov), 422)
    problem(client.post("/v1/entries/batch", json={"entries": []}, headers=gov), 422)
    problem(client.post("/v1/entries", json={"entry_id": 5}, headers=gov), 422)


def test_finding_makes_a_director_responsible(world_app: Any) -> None:
    client, keys, world, _db = world_app
    gov = keys.header("government")
    before = client.get("/v1/derived", params={"subject_id": world.clean_person, "rule": "P1"}, headers=gov).json()
    assert before["total"] == 0
    finding = {"person_id": world.clean_person, "entry_id": world.listed_entry, "basis": "处罚决定书认定其负有直接责任"}
    created = client.post("/v1/findings", json={"findings": [finding]}, headers=gov)
    assert created.status_code == 201, created.text
    after = client.get("/v1/derived", params={"subject_id": world.clean_person, "rule": "P1"}, headers=gov).json()
    assert [r["source_entry_id"] for r in after["items"]] == [world.listed_entry]
    bad = {"person_id": world.clean_person, "entry_id": "E-NONE"}
    problem(client.post("/v1/findings", json={"findings": [bad]}, headers=gov), 422)


def test_objection_suspends_the_ban_and_keeps_the_old_version(world_app: Any) -> None:
    client, keys, world, _db = world_app
    gov = keys.header("government")
    url = f"/v1/entries/{world.listed_entry}/status"
    changed = client.post(url, json={"status": "objection_pending", "since": "2024-06-01"}, headers=gov)
    assert changed.status_code == 201, changed.text
    assert changed.json()["inserted"] == {"statuses": 1}  # a row of the status history, in valid time
    # Daqing suspends measures while an objection is verified (RGT-02): no P5 ban on the as-of date.
    assert client.get("/v1/derived", params={"rule": "P5"}, headers=gov).json()["total"] == 0
    # Verification rejects the objection: the measures resume ...
    assert client.post(url, json={"status": "active", "since": "2024-06-20"}, headers=gov).status_code == 201
    assert client.get("/v1/derived", params={"rule": "P5"}, headers=gov).json()["total"] == 3
    # ... and a date inside the objection window still shows them suspended, however it ended.
    inside = client.get("/v1/derived", params={"rule": "P5", "as_of": "2024-06-10"}, headers=gov).json()
    assert inside["total"] == 0
    before = client.get("/v1/derived", params={"rule": "P5", "as_of": "2024-05-31"}, headers=gov).json()
    assert before["total"] == 3


def test_status_change_errors(world_app: Any) -> None:
    client, keys, world, _db = world_app
    gov = keys.header("government")
    url = f"/v1/entries/{world.listed_entry}/status"
    assert client.post(url, json={"status": "revoked", "since": "2024-06-01"}, headers=gov).status_code == 201
    closed = problem(client.post(url, json={"status": "active", "since": "2024-06-02"}, headers=gov), 409)
    assert "revoked" in closed["detail"]
    problem(
        client.post("/v1/entries/E-NONE/status", json={"status": "active", "since": "2024-06-02"}, headers=gov), 404
    )
    early = client.post(
        f"/v1/entries/{world.black_entry}/status", json={"status": "suspended", "since": "2020-01-01"}, headers=gov
    )
    assert "late back to 2024-05-31" in problem(early, 422)["detail"]
    problem(client.post(url, json={"status": "active", "since": "2024-06-02"}), 403)


# -- re-evaluation and the audit log (PRV-06) ------------------------------------------------------------------
def test_reevaluation_is_admin_only_and_stores_the_latest_evaluation(world_app: Any) -> None:
    client, keys, _world, db = world_app
    problem(client.post("/v1/evaluations", json={}, headers=keys.header("government")), 403)
    answer = client.post("/v1/evaluations", json={"profile": "daqing"}, headers=keys.header("admin")).json()
    assert answer["as_of"] == AS_OF and answer["by_rule"]["P5"] == 3
    from graphsvc.stores.embedded import EmbeddedStore

    with EmbeddedStore(db, read_only=True) as store:
        latest = store.latest_evaluation()
    assert latest is not None and latest.records.num_rows == answer["records"]


def test_audit_log_records_who_asked_what_and_got_which_ids(world_app: Any, tmp_path: Path) -> None:
    client, keys, world, db = world_app
    client.get(f"/v1/subjects/{world.lr}", headers=keys.header("authorised", "AUTH-2024-0042"))
    client.get("/v1/decisions", params={"subject_id": world.lr}, headers=keys.header("government"))
    client.get("/v1/derived", params={"rule": "P5"})
    problem(client.get("/v1/audit", headers=keys.header("government")), 403)
    events = client.get("/v1/audit", headers=keys.header("admin")).json()
    by_endpoint = {e["endpoint"]: e for e in events}
    profile = by_endpoint[f"/v1/subjects/{world.lr}"]
    assert profile["key_id"] == "bank-credit-desk" and profile["authorisation_ref"] == "AUTH-2024-0042"
    assert world.lr in json.loads(profile["result_ids"])
    decided = by_endpoint["/v1/decisions"]
    assert decided["key_id"] == GOVERNMENT_KEY and json.loads(decided["parameters"])["subject_id"] == world.lr
    # The public sees the two bans; the violation is a finding for the departments (effects.yaml audience).
    assert (
        by_endpoint["/v1/derived"]["key_id"] == "anonymous"
        and len(json.loads(by_endpoint["/v1/derived"]["result_ids"])) == 2
    )
    assert "/v1/audit" in by_endpoint  # reading the log is logged too
    as_csv = client.get("/v1/audit", params={"format": "csv"}, headers=keys.header("admin"))
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(as_csv.text)))) >= 4
    # The CLI exports the same log (and moves any journal lines still pending).
    out = io.StringIO()
    assert api_main(["audit", "--db", str(db), "--format", "json"], out) == 0
    exported = json.loads(out.getvalue())
    assert {e["event_id"] for e in events} <= {e["event_id"] for e in exported}


# -- investigator analytics (issue: investigator analytics, HTTP half) ------------------------------------------
def test_analytics_need_the_government_tier(shared: Any) -> None:
    client, _keys, world, _db = shared
    assert "government" in problem(client.get(f"/v1/exposure/{world.lr}"), 403)["detail"]
    problem(client.get("/v1/paths", params={"source": world.lr, "target": world.pic}), 403)


def test_exposure_reaches_listed_firm_within_two_hops_and_hides_other_scopes(shared: Any) -> None:
    client, keys, world, _db = shared
    # 李娜 -person_in_charge-> 大庆豪丰 [serious_illegal]: one hop.
    body = client.get(f"/v1/exposure/{world.pic}", params={"k": 2}, headers=keys.header("government")).json()
    assert world.listed_entry in {item["entry_id"] for item in body["items"]}
    assert body["level"] in ("red", "yellow", "green")
    # 孙丽's firm is black-listed on an authorised-scope entry: a government key does not see it, admin does.
    hidden = client.get(f"/v1/exposure/{world.secret_lr}", headers=keys.header("government")).json()
    shown = client.get(f"/v1/exposure/{world.secret_lr}", headers=keys.header("admin")).json()
    assert world.secret_entry not in {i["entry_id"] for i in hidden["items"]}
    assert world.secret_entry in {i["entry_id"] for i in shown["items"]}
    problem(client.get(f"/v1/exposure/{world.pic}", params={"k": 5}, headers=keys.header("government")), 422)


def test_paths_ownership_controllers_and_groups(shared: Any) -> None:
    client, keys, world, _db = shared
    gov = keys.header("government")
    paths = client.get("/v1/paths", params={"source": world.lr, "target": world.pic}, headers=gov).json()
    assert paths["count"] == 1 and len(paths["paths"][0]["steps"]) == 2
    owners = client.get(f"/v1/ownership/{world.other}", params={"direction": "up"}, headers=gov).json()
    percent = {o["subject_id"]: o["percent"] for o in owners["holdings"]}
    assert percent == {world.clean_firm: 80.0, world.clean_person: pytest.approx(48.0)}
    candidates = client.get(f"/v1/controllers/{world.other}", headers=gov).json()["candidates"]
    # 王芳 holds 60% of 哈尔滨清白, which holds 80%: the majority chain ends at her.
    assert candidates[0]["subject_id"] == world.clean_person
    group = client.get("/v1/groups", params={"subject_id": world.other}, headers=gov).json()
    assert {m["subject_id"] for m in group["members"]} >= {world.other, world.listed}  # shared LR 张伟
    assert problem(client.get("/v1/ownership/NOPE", headers=gov), 404)["title"] == "No such subject"


def test_analytics_export_subgraphs_readable_by_networkx(shared: Any, tmp_path: Path) -> None:
    import networkx as nx

    client, keys, world, _db = shared
    gov = keys.header("government")
    params = {"source": world.lr, "target": world.pic}
    graphml = client.get("/v1/paths", params=params | {"export": "graphml"}, headers=gov)
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    (tmp_path / "p.graphml").write_bytes(graphml.content)
    assert set(nx.read_graphml(tmp_path / "p.graphml").nodes) == {world.lr, world.pic, world.listed}
    gexf = client.get(f"/v1/ownership/{world.other}", params={"export": "gexf"}, headers=gov)
    (tmp_path / "o.gexf").write_bytes(gexf.content)
    assert world.clean_person in nx.read_gexf(tmp_path / "o.gexf").nodes
    linked = client.get(f"/v1/exposure/{world.pic}", params={"export": "json"}, headers=gov).json()
    assert world.listed in {n["id"] for n in linked["nodes"]}


def test_analytics_see_an_entry_added_after_their_first_answer(world_app: Any) -> None:
    client, keys, world, _db = world_app
    gov = keys.header("government")
    before = client.get(f"/v1/exposure/{world.clean_person}", headers=gov).json()
    assert before["count"] == 0 and before["level"] == "green"
    entry = {
        "entry_id": "E-LATE",
        "subject_id": world.clean_firm,
        "list_type": "black",
        "domain": "food_drug",
        "severity": "serious",
        "determined_on": "2024-05-01",
        "status": "active",
        "scope": "government",
        "published_by": "国家市场监督管理总局",
        "published_on": "2024-05-01",
    }
    assert client.post("/v1/entries", json=entry, headers=gov).status_code == 201
    after = client.get(f"/v1/exposure/{world.clean_person}", headers=gov).json()
    assert [item["entry_id"] for item in after["items"]] == ["E-LATE"]


# -- serving --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [([], 300), (["--worker-healthcheck", "30"], 30)])
def test_serve_gives_workers_time_to_rebuild_before_the_supervisor_restarts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: list[str], expected: int
) -> None:
    """uvicorn kills a worker that misses its supervisor's ping (5 s by default); a worker rebuilding its views
    after a load of 10M subjects is busy for a minute, so serve allows WORKER_HEALTHCHECK_SECONDS or the flag."""
    import uvicorn

    scenario, _world = build_world()
    db = tmp_path / "store.duckdb"
    assert graphsvc_main(["load", str(scenario.write(tmp_path / "data")), "--db", str(db)]) == 0
    write_keys(tmp_path / "keys.json")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(app=app, **options))
    # serve hands its settings to the workers through the environment: a copy, so none leaks into other tests
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if not k.startswith("GRAPHSVC_")})
    command = ["serve", "--db", str(db), "--api-keys", str(tmp_path / "keys.json"), "--workers", "2", *given]
    assert api_main(command, io.StringIO()) == 0
    assert seen["workers"] == 2 and seen["timeout_worker_healthcheck"] == expected
