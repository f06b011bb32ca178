"""The API on the Neo4j store answers exactly as on the embedded store (design.md §6: either store).

The same world is loaded into both; the same requests go to an app on each; the answers must be equal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_world import build_world, running_on_both, service_date
from tests.bolt_server import BoltServer
from tests.conftest import PARITY

pytestmark = pytest.mark.skipif(not PARITY, reason="GRAPHSVC_TEST_STORES=embedded: the Bolt server is not used")


@pytest.fixture
def both(
    tmp_path: Path, neo4j_clean: BoltServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, TestClient, Any, Any]]:
    scenario, world = build_world()
    with running_on_both(tmp_path, scenario, neo4j_clean, monkeypatch) as (embedded, on_neo4j, keys):
        yield embedded, on_neo4j, keys, world


def test_read_endpoints_answer_the_same_on_both_stores(both: Any) -> None:
    embedded, on_neo4j, keys, world = both
    requests: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (f"/v1/subjects/{world.lr}", {}, {}),
        (f"/v1/subjects/{world.listed}", {}, keys.header("admin")),
        (
            "/v1/decisions",
            {"subject_id": world.lr, "action": "appoint_legal_representative", "enterprise_id": world.clean_firm},
            keys.header("government"),
        ),
        (
            "/v1/decisions",
            {
                "subject_id": world.defaulter,
                "action": "appoint_legal_representative",
                "enterprise_id": world.institution,
            },
            keys.header("government"),
        ),
        ("/v1/decisions", {"subject_id": world.conflicted, "action": "grant_red_incentive"}, {}),
        ("/v1/derived", {"limit": 1000}, keys.header("admin")),
        ("/v1/derived", {"rule": "P5", "format": "csv"}, keys.header("government")),
        ("/v1/warnings", {}, keys.header("government")),
        ("/v1/statistics", {"by": "domain"}, keys.header("admin")),
        ("/v1/statistics", {"by": "month"}, {}),
    ]
    for path, params, headers in requests:
        a = embedded.get(path, params=params, headers=headers)
        b = on_neo4j.get(path, params=params, headers=headers)
        assert a.status_code == b.status_code == 200, (path, a.text, b.text)
        if path.startswith("/v1/subjects/"):
            # Transaction times differ between two loads; everything else must match.
            bodies = a.json(), b.json()
            for body in bodies:
                for key in ("roles", "entry_history", "findings"):
                    for item in body[key]:
                        item.pop("recorded_at"), item.pop("superseded_at")
            assert bodies[0] == bodies[1], path
        else:
            assert a.text == b.text, path


def test_writes_work_on_the_neo4j_store(both: Any) -> None:
    _embedded, on_neo4j, keys, world = both
    gov = keys.header("government")
    changed = on_neo4j.post(
        f"/v1/entries/{world.listed_entry}/status",
        json={"status": "objection_pending", "since": "2024-06-01"},
        headers=gov,
    )
    assert changed.status_code == 201, changed.text
    assert on_neo4j.get("/v1/derived", params={"rule": "P5"}, headers=gov).json()["total"] == 0
    warning = on_neo4j.get("/v1/warnings", headers=gov).json()["items"][0]
    decided = on_neo4j.post(
        f"/v1/warnings/{warning['warning_id']}/decision", json={"state": "dismissed", "reason": "已核实"}, headers=gov
    )
    assert decided.status_code == 200 and decided.json()["state"] == "dismissed"
    events = on_neo4j.get("/v1/audit", headers=keys.header("admin")).json()
    assert {"/v1/derived", f"/v1/entries/{world.listed_entry}/status"} <= {e["endpoint"] for e in events}


def test_the_lifecycle_answers_the_same_on_both_stores(both: Any) -> None:
    """Objection, repair and announcements over HTTP: the same steps give the same answers on either store."""
    embedded, on_neo4j, keys, world = both
    gov = keys.header("government")
    # In the order they are taken, each entered on its day (the service date moves with them).
    steps: list[tuple[str, str, str, dict[str, Any]]] = [
        ("2024-08-01", "POST", f"/v1/entries/{world.black_entry}/status", {"status": "exited", "since": "2024-08-01"}),
        ("2024-08-01", "GET", "/v1/announcements", {"on": "2024-08-02"}),
        ("2024-08-01", "GET", f"/v1/subjects/{world.conflicted}", {"as_of": "2024-08-02"}),
        (
            "2024-09-27",
            "POST",
            f"/v1/entries/{world.listed_entry}/objections",
            {"filer": "某某", "filed_on": "2024-09-27", "grounds": "inaccurate", "statement": "记载错误"},
        ),
        ("2024-10-11", "GET", "/v1/objections", {"state": "open", "overdue_on": "2024-10-11"}),
        (
            "2025-04-07",
            "POST",
            f"/v1/entries/{world.defaulter_entry}/repairs",
            {"applied_on": "2025-04-07", "corrected_on": "2024-04-02", "commitment": "承诺不再失信"},
        ),
        ("2025-04-08", "GET", "/v1/repairs", {"on": "2025-04-08"}),
    ]
    expected = [201, 200, 200, 201, 200, 201, 200]
    for (day, method, path, body), status in zip(steps, expected, strict=True):
        for client in (embedded, on_neo4j):
            service_date(client, day)
        if method == "POST":
            answers = [client.post(path, json=body, headers=gov) for client in (embedded, on_neo4j)]
        else:
            answers = [client.get(path, params=body, headers=gov) for client in (embedded, on_neo4j)]
        assert [a.status_code for a in answers] == [status, status], (path, answers[0].text, answers[1].text)
        left, right = answers[0].json(), answers[1].json()
        for answer in (left, right):
            if isinstance(answer, dict):
                answer.pop("batch_id", None)
                answer.pop("recorded_at", None)
                for version in answer.get("entry_history", []):  # the transaction times of each store
                    version.pop("recorded_at", None)
                    version.pop("superseded_at", None)
        assert left == right, (path, left, right)


def test_role_pages_are_the_same_on_both_stores(both: Any) -> None:
    """A page smaller than a subject's roles: the first page, the total and the next pages, equal on either
    store (the embedded store pages its per-load index, the Neo4j store the subject's facts it is asked for)."""
    embedded, on_neo4j, keys, world = both
    gov = keys.header("government")
    for subject in (world.clean_firm, world.listed):
        pages: list[list[dict[str, Any]]] = []
        for client in (embedded, on_neo4j):
            walked: list[dict[str, Any]] = []
            offset: int | None = 0
            while offset is not None:
                body = client.get(
                    f"/v1/subjects/{subject}", params={"roles_offset": offset, "roles_limit": 1}, headers=gov
                ).json()
                assert len(body["roles"]) == 1 and body["roles_page"]["total"] > 1
                assert body["roles_page"]["complete"] is False
                walked += body["roles"]
                offset = body["roles_page"]["next_offset"]
            whole = client.get(f"/v1/subjects/{subject}", headers=gov).json()
            assert whole["roles_page"]["complete"] and walked == whole["roles"]
            for role in walked:
                role.pop("recorded_at"), role.pop("superseded_at")
            pages.append(walked)
        assert pages[0] == pages[1], subject


def test_a_file_posted_to_v1_loads_loads_the_same_on_both_stores(both: Any) -> None:
    """POST /v1/loads (issue 12) on the Neo4j store: the same report, the same profile with the title as
    written and a start known to the year, and the same refusal of a change to a stored subject."""
    import json

    from tests.api_world import DEPARTMENT
    from tests.test_api_loads import FIRM, _csv, _penalty_row
    from tests.test_formats import _entity

    embedded, on_neo4j, keys, _world = both
    lines = [
        _entity("Company", FIRM, name="大庆某某有限公司", uscCode=FIRM, country="cn"),
        _entity("Person", "p1", name="张伟"),
        _entity("Directorship", "d1", director="p1", organization=FIRM, role="执行董事兼总经理", startDate="2018"),
    ]
    ftm = "\n".join(json.dumps(e.to_dict(), ensure_ascii=False) for e in lines).encode()
    renamed = _csv([_penalty_row(DEPARTMENT, name="大庆另一家公司", uscc=FIRM)])
    answers = []
    for client in (embedded, on_neo4j):
        loaded = client.post(
            "/v1/loads",
            params={"format": "ftm"},
            content=ftm,
            headers={**keys.header("admin"), "Content-Type": "application/x-ndjson"},
        )
        assert loaded.status_code == 201, loaded.text
        report = {k: v for k, v in loaded.json().items() if k not in {"batch_id", "recorded_at", "seconds"}}
        profile = client.get("/v1/subjects/p1", headers=keys.header("admin")).json()
        for item in profile["roles"]:
            item.pop("recorded_at"), item.pop("superseded_at")
        refused = client.post(
            "/v1/loads",
            params={"format": "mapped", "mapping": "shuanggongshi_penalty"},
            content=renamed,
            headers={**keys.header("government"), "Content-Type": "text/csv"},
        )
        answers.append((report, profile["roles"], refused.status_code, refused.json()["title"]))
    assert answers[0] == answers[1]
    report, roles, status, title = answers[0]
    assert {(r["role"], r["title"], r["valid_from_precision"]) for r in roles} == {
        ("director", "执行董事兼总经理", "year"),
        ("senior_manager", "执行董事兼总经理", "year"),
    }
    assert (status, title) == (403, "Registry facts")
