"""The lifecycle over HTTP: objections, repairs, listing steps and announcements, with who may do what."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_world import OTHER_DEPARTMENT, Keys, World, build_world, service_date, serving


@pytest.fixture(params=["embedded", "neo4j"])
def app(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Keys, World]]:
    scenario, world = build_world()
    candidate = scenario.org("大庆守信候选有限公司")
    scenario.entry(
        candidate,
        "red",
        status="candidate",
        determined_on="2024-05-06",
        act_date=None,
        entry_id="RED-CANDIDATE",
        domain="tax",
    )
    with serving(request.param, tmp_path, scenario, request, monkeypatch) as (client, keys):
        yield client, keys, world


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


def test_an_objection_is_filed_listed_and_decided_by_the_entry_department(app: Any) -> None:
    client, keys, world = app
    body = {
        "filer": "大庆豪丰电力工程有限公司",
        "filed_on": "2024-09-27",
        "grounds": "inaccurate",
        "statement": "处罚决定书日期有误",
        "evidence": ["决定书复印件"],
    }
    service_date(client, "2024-09-27")
    filed = client.post(f"/v1/entries/{world.listed_entry}/objections", json=body, headers=keys.header("reader"))
    assert filed.status_code == 201, filed.text
    case = filed.json()
    assert case["state"] == "open"
    assert {d["name"]: d["due"] for d in case["deadlines"]} == {"review": "2024-10-16", "verify": "2024-10-10"}
    listed = client.get(
        "/v1/objections", params={"state": "open", "overdue_on": "2024-10-11"}, headers=keys.header("government")
    ).json()
    assert [c["case_id"] for c in listed["items"]] == [case["case_id"]]
    assert [d["overdue"] for d in listed["items"][0]["deadlines"]] == [False, True]
    service_date(client, "2024-10-15")
    decision = {"decided_on": "2024-10-15", "outcome": "rejected", "reason": "核实无误"}
    # another department may not decide; nor a key without a department; the public may not even ask
    _problem(
        client.post(
            f"/v1/objections/{case['case_id']}/decision", json=decision, headers=keys.header("other_department")
        ),
        403,
    )
    _problem(
        client.post(f"/v1/objections/{case['case_id']}/decision", json=decision, headers=keys.header("reader")), 403
    )
    _problem(client.post(f"/v1/objections/{case['case_id']}/decision", json=decision), 403)
    decided = client.post(
        f"/v1/objections/{case['case_id']}/decision", json=decision, headers=keys.header("government")
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "decided"
    again = client.post(f"/v1/objections/{case['case_id']}/decision", json=decision, headers=keys.header("government"))
    _problem(again, 409)


def test_an_entry_the_caller_cannot_see_answers_as_unknown(app: Any) -> None:
    client, keys, world = app
    body = {"filer": "x", "filed_on": "2024-05-01", "grounds": "other", "statement": "y"}
    hidden = _problem(
        client.post(f"/v1/entries/{world.secret_entry}/objections", json=body, headers=keys.header("government")), 404
    )
    unknown = _problem(client.post("/v1/entries/E-NONE/objections", json=body, headers=keys.header("government")), 404)
    assert hidden["detail"].replace(world.secret_entry, "?") == unknown["detail"].replace("E-NONE", "?")


def test_a_repair_answers_every_unmet_condition_then_runs_its_notice(app: Any) -> None:
    client, keys, world = app
    early = {"applied_on": "2024-06-03", "corrected_on": "2024-04-01", "commitment": ""}
    refused = _problem(
        client.post(f"/v1/entries/{world.listed_entry}/repairs", json=early, headers=keys.header("government")), 422
    )
    assert len(refused["errors"]) == 2 and "commitment" in refused["errors"][1]["reason"]
    service_date(client, "2025-04-07")
    ok = {"applied_on": "2025-04-07", "corrected_on": "2024-04-01", "commitment": "承诺不再失信"}
    applied = client.post(f"/v1/entries/{world.listed_entry}/repairs", json=ok, headers=keys.header("government"))
    assert applied.status_code == 201, applied.text
    repair_id = applied.json()["case_id"]
    service_date(client, "2025-04-08")
    decision = {"decided_on": "2025-04-08", "approve": True, "reason": "符合条件"}
    _problem(
        client.post(f"/v1/repairs/{repair_id}/decision", json=decision, headers=keys.header("other_department")), 403
    )
    approved = client.post(f"/v1/repairs/{repair_id}/decision", json=decision, headers=keys.header("government"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "notice"
    assert approved.json()["deadlines"][0]["due"] == "2025-04-15"
    notices = client.get(
        "/v1/announcements", params={"on": "2025-04-10"}, headers=keys.header("government")
    ).json()["items"]
    assert [(a["kind"], a["entry_id"]) for a in notices] == [("repair_notice", world.listed_entry)]
    later = client.get("/v1/repairs", params={"on": "2025-04-16"}, headers=keys.header("government")).json()
    assert [c["state"] for c in later["items"]] == ["repaired"]


def test_a_red_candidate_goes_on_public_notice_then_into_force(app: Any) -> None:
    client, keys, _world = app
    service_date(client, "2024-05-06")
    step = client.post(
        "/v1/entries/RED-CANDIDATE/public-notice", json={"on": "2024-05-06"}, headers=keys.header("government")
    )
    assert step.status_code == 200, step.text
    assert step.json()["notice_until"] == "2024-05-11"
    notices = client.get(
        "/v1/announcements", params={"on": "2024-05-07"}, headers=keys.header("government")
    ).json()["items"]
    assert [(a["kind"], a["entry_id"]) for a in notices] == [("public_notice", "RED-CANDIDATE")]
    service_date(client, "2024-05-10")
    too_early = _problem(
        client.post(
            "/v1/entries/RED-CANDIDATE/activation", json={"on": "2024-05-10"}, headers=keys.header("government")
        ),
        422,
    )
    assert "runs until 2024-05-11" in too_early["errors"][0]["reason"]
    service_date(client, "2024-05-13")
    done = client.post(
        "/v1/entries/RED-CANDIDATE/activation", json={"on": "2024-05-13"}, headers=keys.header("government")
    )
    assert done.status_code == 200 and done.json()["status"] == "active"


def test_the_public_sees_only_announcements_of_public_entries(app: Any, tmp_path: Path) -> None:
    client, keys, world = app
    # The public reads the announcements of the service's date (2024-06-30 here), where the exits of 2024-06-01
    # are still announced; a government key may read any day's.
    for entry in (world.defaulter_entry, world.listed_entry):
        exit_on = {"status": "exited", "since": "2024-06-01"}
        answer = client.post(f"/v1/entries/{entry}/status", json=exit_on, headers=keys.header("admin"))
        assert answer.status_code in (200, 201), answer.text
    public = {a["entry_id"] for a in client.get("/v1/announcements").json()["items"]}
    government = client.get("/v1/announcements", headers=keys.header("government"))
    assert public == {world.listed_entry}
    assert {a["entry_id"] for a in government.json()["items"]} == {world.listed_entry, world.defaulter_entry}
    other_day = client.get("/v1/announcements", params={"on": "2024-06-15"}, headers=keys.header("government"))
    assert {a["entry_id"] for a in other_day.json()["items"]} == {world.listed_entry, world.defaulter_entry}
    after = client.get("/v1/announcements", params={"on": "2024-08-02"}, headers=keys.header("government")).json()
    assert after["items"] == []  # the announcement period (30 days) is over
    _problem(client.get("/v1/announcements", params={"on": "2024-06-15"}), 403)


def test_entries_out_of_force_are_archived_for_the_public_and_government_tiers(app: Any) -> None:
    """004 MB 第三十条: 有效期届满的 … 不再公开发布; 第三十五条: the original is kept as an archive."""
    client, keys, world = app
    exited = client.post(
        f"/v1/entries/{world.listed_entry}/status",
        json={"status": "exited", "since": "2024-06-01"},
        headers=keys.header("government"),
    )
    assert exited.status_code == 201, exited.text
    for tier in (None, "other_department"):
        headers = keys.header(tier) if tier else {}
        profile = client.get(f"/v1/subjects/{world.listed}", headers=headers).json()
        assert profile["entries_in_force"] == [] and profile["entry_history"] == []
    # The archive is for the authorised and admin tiers, and for the department that provided the entry (PRV-02).
    for tier in ("admin", "government"):
        profile = client.get(f"/v1/subjects/{world.listed}", headers=keys.header(tier)).json()
        assert [e["entry_id"] for e in profile["entry_history"]] == [world.listed_entry]
    earlier = client.get(
        f"/v1/subjects/{world.listed}", params={"as_of": "2024-05-31"}, headers=keys.header("other_department")
    ).json()
    assert [(e["entry_id"], e["status"]) for e in earlier["entries_in_force"]] == [(world.listed_entry, "active")]
    # The public reads the lists of the service's date only: an earlier date is not published to it.
    _problem(client.get(f"/v1/subjects/{world.listed}", params={"as_of": "2024-05-31"}), 403)


# -- lifecycle writes keep the past (the service's clock) ---------------------------------------------------------


def _objection(filed_on: str) -> dict[str, Any]:
    return {"filer": "大庆豪丰电力工程有限公司", "filed_on": filed_on, "grounds": "inaccurate", "statement": "日期有误"}


def test_a_backdated_or_future_step_is_refused_and_a_late_one_within_the_grace_is_taken(app: Any) -> None:
    """Another department backdating an objection to before an exit would take the entry out of force in the
    past: refused, as is a step ahead of the service date or older than GRAPHSVC_LATE_ENTRY_DAYS (30)."""
    client, keys, world = app
    service_date(client, "2024-08-01")
    gov, other = keys.header("government"), keys.header("other_department")
    exited = client.post(
        f"/v1/entries/{world.listed_entry}/status", json={"status": "exited", "since": "2024-08-01"}, headers=gov
    )
    assert exited.status_code == 201, exited.text
    url = f"/v1/entries/{world.listed_entry}/objections"
    backdated = _problem(client.post(url, json=_objection("2024-07-15"), headers=other), 422)
    assert backdated["title"] == "Date not allowed"
    assert "last recorded step (status exited on 2024-08-01)" in backdated["detail"]
    on_defaulter = f"/v1/entries/{world.defaulter_entry}/objections"
    ahead = _problem(client.post(on_defaulter, json=_objection("2024-08-02"), headers=other), 422)
    assert "after the service date 2024-08-01" in ahead["detail"]
    old = _problem(client.post(on_defaulter, json=_objection("2024-06-15"), headers=other), 422)
    assert "late back to 2024-07-02" in old["detail"]
    late = client.post(on_defaulter, json=_objection("2024-07-20"), headers=other)
    assert late.status_code == 201, late.text
    assert late.json()["opened_on"] == "2024-07-20"
    back = _problem(
        client.post(
            f"/v1/entries/{world.defaulter_entry}/status",
            json={"status": "suspended", "since": "2024-07-19"},
            headers=gov,
        ),
        422,
    )
    assert "objection filed on 2024-07-20" in back["detail"]
    future_repair = {"applied_on": "2025-02-01", "corrected_on": "2024-04-01", "commitment": "承诺不再失信"}
    _problem(client.post(f"/v1/entries/{world.black_entry}/repairs", json=future_repair, headers=gov), 422)
    inbox = client.get("/v1/repairs", params={"on": "2025-03-01"}, headers=gov).json()
    assert inbox["items"] == []


def test_an_entry_that_left_force_takes_no_objection(app: Any) -> None:
    client, keys, world = app
    service_date(client, "2024-08-01")
    gov = keys.header("government")
    url = f"/v1/entries/{world.listed_entry}/status"
    assert client.post(url, json={"status": "exited", "since": "2024-07-31"}, headers=gov).status_code == 201
    refused = _problem(
        client.post(f"/v1/entries/{world.listed_entry}/objections", json=_objection("2024-08-01"), headers=gov), 409
    )
    assert "is exited since 2024-07-31" in refused["detail"] and "after_force_days" in refused["detail"]


@pytest.mark.parametrize(
    ("correction", "status", "reason"),
    [
        pytest.param({"severity": "general"}, 422, "always serious (LST-08)", id="black-made-general"),
        pytest.param({"act_date": "1900-01-01"}, 422, "lies outside 1949-10-01..2100-12-31", id="1900"),
        pytest.param({"valid_until": "9999-12-31"}, 422, "lies outside 1949-10-01..2100-12-31", id="9999"),
        pytest.param({"legal_basis": "第\x07条"}, 422, "control character U+0007", id="control-character"),
        pytest.param({"domain": "astrology"}, 422, "astrology", id="vocabulary"),
        pytest.param({"department": None}, 400, "not department", id="department-null"),
    ],
)
def test_a_correction_is_checked_as_intake_checks_an_entry(
    app: Any, correction: dict[str, Any], status: int, reason: str
) -> None:
    client, keys, world = app
    gov = keys.header("government")
    filed = client.post(f"/v1/entries/{world.black_entry}/objections", json=_objection("2024-06-28"), headers=gov)
    assert filed.status_code == 201, filed.text
    decision = {"decided_on": "2024-06-30", "outcome": "partly_upheld", "reason": "更正", "correction": correction}
    refused = _problem(
        client.post(f"/v1/objections/{filed.json()['case_id']}/decision", json=decision, headers=gov), status
    )
    assert reason in json.dumps(refused, ensure_ascii=False)
    # nothing changed: the entry is still the department's, and another department still may not touch it
    status_change = {"status": "revoked", "since": "2024-06-30"}
    answer = client.post(
        f"/v1/entries/{world.black_entry}/status", json=status_change, headers=keys.header("other_department")
    )
    assert answer.status_code == 403 and OTHER_DEPARTMENT in answer.json()["detail"]
