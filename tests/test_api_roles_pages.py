"""The subject profile's roles a page at a time, and the per-load index it reads them from (api/facts.py).

A hub holds more roles than one page: the first page says how many there are and where the next one starts,
and the pages together are the whole list, in the same order, each version once. The index answers what the
store's own ``subject_facts`` answers, for every subject, also after a correction added a second version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.facts import SubjectFacts
from api.routers.subjects import ROLES_LIMIT
from graphsvc.cli import main as graphsvc_main
from graphsvc.stores.embedded import EmbeddedStore
from tests.api_world import Keys, World, build_world, running_app
from tests.scenario import Scenario

HOLDERS = 130  # more than the default page (50) and than a page of 100


def hub_world() -> tuple[Scenario, World, str]:
    """The API world with a holding company: 130 shareholders, 2 firms it holds, a finding about one holder."""
    scenario, world = build_world()
    hub = scenario.org("大庆控股集团有限公司")
    for n in range(HOLDERS):
        scenario.role(scenario.person(f"股东{n:03d}"), "shareholder", hub, since="2020-01-01", ratio=0.5)
    scenario.role(hub, "shareholder", world.other, since="2021-01-01", ratio=10)
    scenario.role(hub, "shareholder", world.clean_firm, since=None, ratio=5)
    scenario.finding(world.lr, world.listed_entry)
    return scenario, world, hub


@pytest.fixture(scope="module")
def hub_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Keys, World, str, Path]]:
    scenario, world, hub = hub_world()
    root = tmp_path_factory.mktemp("pages")
    with running_app(root, scenario) as (client, keys, db):
        # A correction: one holder's ratio changes, so the hub has a superseded version and a new one.
        scenario.roles[-3]["ratio"] = "0.75"
        assert graphsvc_main(["load", str(scenario.write(root / "corrected")), "--db", str(db)]) == 0
        yield client, keys, world, hub, db


def profile(client: TestClient, keys: Keys, subject: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"/v1/subjects/{subject}", params=params, headers=keys.header("government"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_hub_answers_the_first_page_with_the_total_and_the_next_page_the_rest(hub_app: Any) -> None:
    client, keys, _world, hub, _db = hub_app
    total = HOLDERS + 2 + 1  # holders, its two holdings, and the corrected holder's earlier version
    first = profile(client, keys, hub)
    assert len(first["roles"]) == ROLES_LIMIT
    assert first["roles_page"] == {
        "offset": 0,
        "limit": ROLES_LIMIT,
        "total": total,
        "next_offset": ROLES_LIMIT,
        "complete": False,
    }
    rest = profile(client, keys, hub, roles_offset=first["roles_page"]["next_offset"], roles_limit=100)
    assert len(rest["roles"]) == total - ROLES_LIMIT
    assert rest["roles_page"] == {
        "offset": ROLES_LIMIT,
        "limit": 100,
        "total": total,
        "next_offset": None,
        "complete": False,
    }
    whole = profile(client, keys, hub, roles_limit=1000)
    assert whole["roles_page"] == {"offset": 0, "limit": 1000, "total": total, "next_offset": None, "complete": True}
    assert first["roles"] + rest["roles"] == whole["roles"]
    # Everything but the roles is the same on every page.
    for body in (first, rest):
        assert {k: v for k, v in body.items() if k not in ("roles", "roles_page")} == {
            k: v for k, v in whole.items() if k not in ("roles", "roles_page")
        }


def test_small_pages_walk_the_whole_list_in_order_each_version_once(hub_app: Any) -> None:
    client, keys, world, hub, _db = hub_app
    whole = profile(client, keys, hub, roles_limit=1000)["roles"]
    walked: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = profile(client, keys, hub, roles_offset=offset, roles_limit=7)
        assert len(page["roles"]) <= 7
        walked += page["roles"]
        offset = page["roles_page"]["next_offset"]
    assert walked == whole
    versions = [(r["source_id"], r["role"], r["target_id"], r["recorded_at"]) for r in walked]
    assert len(set(versions)) == len(versions)
    superseded = [r for r in walked if r["superseded_at"] is not None]
    assert len(superseded) == 1 and superseded[0]["ratio"] == 0.5
    # Held by the hub and held at it: both directions, missing valid_from first.
    assert walked[0]["source_id"] == hub and walked[0]["target_id"] == world.clean_firm
    assert {r["target_id"] for r in walked if r["source_id"] == hub} == {world.other, world.clean_firm}
    assert all(r["target_name"] == "大庆控股集团有限公司" for r in walked if r["target_id"] == hub)


def test_a_page_past_the_end_is_empty_and_out_of_range_limits_are_refused(hub_app: Any) -> None:
    client, keys, world, hub, _db = hub_app
    past = profile(client, keys, hub, roles_offset=10_000)
    assert past["roles"] == [] and past["roles_page"]["next_offset"] is None
    assert past["roles_page"]["total"] == HOLDERS + 3 and not past["roles_page"]["complete"]
    small = profile(client, keys, world.listed)
    assert small["roles_page"] == {"offset": 0, "limit": ROLES_LIMIT, "total": 2, "next_offset": None, "complete": True}
    for params in ({"roles_limit": 0}, {"roles_limit": 1001}, {"roles_offset": -1}):
        answer = client.get(f"/v1/subjects/{hub}", params=params, headers=keys.header("government"))
        assert answer.status_code == 422, (params, answer.text)


def test_the_index_answers_what_the_store_answers_for_every_subject(hub_app: Any) -> None:
    _client, _keys, world, _hub, db = hub_app
    with EmbeddedStore(db, read_only=True) as store:
        subjects = store.current_subjects()
        ids = subjects.column("subject_id").combine_chunks()
        rows = {str(sid): i for i, sid in enumerate(ids.to_pylist())}
        index = SubjectFacts(store.fact_versions(), ids, rows)
        for sid in [*rows, "NOBODY"]:
            facts = store.subject_facts(sid)
            one = SubjectFacts.of_subject(sid, facts)  # how a server store's answer is indexed
            for built in (index, one):
                assert built.roles(sid) == (facts["roles"].to_pylist(), facts["roles"].num_rows), sid
                assert built.entries(sid) == facts["entries"].to_pylist(), sid
                assert built.findings(sid) == facts["findings"].to_pylist(), sid
        assert index.findings(world.lr) and index.findings(world.listed)  # by person, and by the entry's subject
