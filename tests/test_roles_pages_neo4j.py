"""The subject profile's roles a page at a time on the Neo4j store (issue 13): the server sorts, skips and limits
a hub's role versions and counts them, so a page reads the page, and both stores give the same pages.

The hub holds a few hundred role versions: both directions, a missing valid_from and a corrected version. Ids
with a character beyond U+FFFF next to ones in U+E000-U+FFFF (which a server comparing UTF-16 units orders
otherwise than the embedded store's code points) are sorted by the store itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from graphsvc.stores.cypher_files import statement
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from tests.api_world import Keys, build_world, running_on_both
from tests.bolt_server import BoltServer
from tests.conftest import PARITY
from tests.scenario import Scenario
from tests.test_store_service_parity import Stores, assert_same_versions

pytestmark = pytest.mark.skipif(not PARITY, reason="GRAPHSVC_TEST_STORES=embedded: the Neo4j store is not under test")

HOLDERS = 300
# Holder ids whose order differs between code points and UTF-16 units: U+1F600 sorts after U+E000 by code point,
# before it by UTF-16 unit (its high surrogate is U+D83D).
AWKWARD = ("P\U0001f600", "P\ue000", "P\uffef")


def hub_scenario(*, awkward: bool = False) -> tuple[Scenario, str, str]:
    """A hub held by HOLDERS persons (every third with no valid_from), holding two firms; with
    ``awkward`` a second subject held by persons with the ids of AWKWARD. Returns the scenario, the hub and that
    subject (the hub when not ``awkward``)."""
    s = Scenario()
    hub = s.org("大庆控股集团有限公司")
    for n in range(HOLDERS):
        since = None if n % 3 == 0 else f"20{10 + n % 12:02d}-0{1 + n % 9}-01"
        s.role(s.person(f"股东{n:03d}"), "shareholder", hub, since=since, ratio=0.25)
    s.role(hub, "shareholder", s.org("大庆子公司甲有限公司"), since="2021-01-01", ratio=10)
    s.role(hub, "shareholder", s.org("大庆子公司乙有限公司"), since=None, ratio=5)
    other = hub
    if awkward:
        other = s.org("大庆奇字有限公司")
        for sid in AWKWARD:
            s.person("某某")
            s.subjects[-1]["subject_id"] = sid
            s.role(sid, "shareholder", other, since=None, ratio=1)
        s.role(other, "shareholder", hub, since=None, ratio=1)
    return s, hub, other


def corrected(s: Scenario) -> Scenario:
    """A second load: one holder's ratio corrected, so the hub has a superseded version and its successor."""
    s.roles[4]["ratio"] = "0.75"
    return s


def hub_roles_total() -> int:
    return HOLDERS + 2 + 1  # holders, the two firms it holds, the corrected holder's earlier version


@pytest.fixture
def stores(tmp_path: Path, neo4j_clean: BoltServer) -> Iterator[Stores]:
    settings = Neo4jSettings(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password, neo4j_clean.database)
    with EmbeddedStore(tmp_path / "store.duckdb") as embedded, Neo4jStore(settings) as neo:
        yield Stores(embedded, neo, tmp_path)


@pytest.fixture
def statements_run(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every statement the driver runs in a managed transaction, with its parameters."""
    seen: list[tuple[str, dict[str, Any]]] = []
    run = neo4j.ManagedTransaction.run

    def spy(self: neo4j.ManagedTransaction, query: Any, parameters: Any = None, **kwargs: Any) -> Any:
        seen.append((str(query), dict(parameters or {})))
        return run(self, query, parameters, **kwargs)

    monkeypatch.setattr(neo4j.ManagedTransaction, "run", spy)
    return seen


def test_pages_of_a_hub_are_the_same_on_both_stores_and_together_the_whole_list(stores: Stores) -> None:
    s, hub, _ = hub_scenario()
    stores.load(s)
    stores.load(corrected(s))
    whole = stores.embedded.subject_facts(hub)["roles"]
    assert whole.num_rows == hub_roles_total()
    walked = []
    for offset, limit in ((0, 50), (50, 7), (57, 1), (58, 200), (258, 1000)):
        pages = {name: store.subject_roles_page(hub, offset, limit) for name, store in stores.both()}
        assert pages["embedded"][1] == pages["neo4j"][1] == hub_roles_total()
        assert pages["embedded"][0].num_rows == min(limit, hub_roles_total() - offset)
        walked += assert_same_versions(stores, pages["embedded"][0], pages["neo4j"][0])
    assert walked == assert_same_versions(stores, whole, stores.neo4j.subject_facts(hub)["roles"])
    for name, store in stores.both():
        page, total = store.subject_roles_page(hub, hub_roles_total(), 50)
        assert (page.num_rows, total) == (0, hub_roles_total()), name
        past, total = store.subject_roles_page(hub, 10_000, 50)
        assert (past.num_rows, total) == (0, hub_roles_total()), name
        assert past.schema.equals(whole.schema), name
        nobody, none = store.subject_roles_page("NOBODY", 0, 50)
        assert (nobody.num_rows, none) == (0, 0), name
        assert store.subject_facts(hub, roles=False)["roles"].num_rows == 0, name


def test_ids_beyond_u_ffff_are_paged_in_code_point_order(stores: Stores) -> None:
    s, hub, awkward = hub_scenario(awkward=True)
    stores.load(s)
    for subject in (awkward, hub):
        whole = assert_same_versions(
            stores, stores.embedded.subject_facts(subject)["roles"], stores.neo4j.subject_facts(subject)["roles"]
        )
        for offset, limit in ((0, 2), (1, 2), (2, 50)):
            pages = [store.subject_roles_page(subject, offset, limit) for _, store in stores.both()]
            assert pages[0][1] == pages[1][1] == len(whole)
            assert assert_same_versions(stores, pages[0][0], pages[1][0]) == whole[offset : offset + limit]
    roles = stores.neo4j.subject_roles_page(awkward, 0, 50)[0].to_pylist()
    holders = [r["source_id"] for r in roles if r["target_id"] == awkward]
    assert holders == sorted(AWKWARD) == ["P\ue000", "P\uffef", "P\U0001f600"]  # by code point, not UTF-16 unit


def test_the_server_is_asked_for_the_page_only(
    stores: Stores, statements_run: list[tuple[str, dict[str, Any]]]
) -> None:
    s, hub, awkward = hub_scenario(awkward=True)
    stores.load(s)
    statements_run.clear()
    page, total = stores.neo4j.subject_roles_page(hub, 120, 25)
    assert page.num_rows == 25 and total == HOLDERS + 2 + 1  # holders, its two firms, the awkward subject
    texts = [text for text, _ in statements_run]
    assert texts == [statement("subject_roles_count"), statement("subject_roles_page")]
    assert statements_run[1][1]["skip"] == 120 and statements_run[1][1]["limit"] == 25
    assert statement("subject_facts_roles") not in texts
    # Past the end, only the count; with ids beyond U+FFFF, the subject's roles are read whole and sorted here.
    statements_run.clear()
    assert stores.neo4j.subject_roles_page(hub, 10_000, 25)[0].num_rows == 0
    assert [text for text, _ in statements_run] == [statement("subject_roles_count")]
    statements_run.clear()
    stores.neo4j.subject_roles_page(awkward, 0, 2)
    assert [text for text, _ in statements_run] == [statement("subject_roles_count"), statement("subject_facts_roles")]


# -- over HTTP ----------------------------------------------------------------------------------------------------


@pytest.fixture
def hub_apps(
    tmp_path: Path, neo4j_clean: BoltServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, TestClient, Keys, str]]:
    """The API world with the hub, served on the embedded store and on the Neo4j store."""
    scenario, _world = build_world()
    hub = scenario.org("大庆控股集团有限公司")
    for n in range(HOLDERS):
        since = None if n % 3 == 0 else f"20{10 + n % 12:02d}-0{1 + n % 9}-01"
        scenario.role(scenario.person(f"股东{n:03d}"), "shareholder", hub, since=since, ratio=0.25)
    with running_on_both(tmp_path, scenario, neo4j_clean, monkeypatch) as (embedded, on_neo4j, keys):
        yield embedded, on_neo4j, keys, hub


def _without_times(body: dict[str, Any]) -> dict[str, Any]:
    for key in ("roles", "entry_history", "findings"):
        for item in body[key]:
            item.pop("recorded_at"), item.pop("superseded_at")
    return body


def test_profile_pages_of_a_hub_are_the_same_over_http(
    hub_apps: Any, statements_run: list[tuple[str, dict[str, Any]]]
) -> None:
    embedded, on_neo4j, keys, hub = hub_apps
    gov = keys.header("government")
    for params in (
        {},
        {"roles_offset": 50, "roles_limit": 7},
        {"roles_offset": 290, "roles_limit": 50},
        {"roles_limit": 1000},
        {"roles_offset": 10_000},
    ):
        statements_run.clear()
        bodies = []
        for client in (embedded, on_neo4j):
            answer = client.get(f"/v1/subjects/{hub}", params=params, headers=gov)
            assert answer.status_code == 200, answer.text
            bodies.append(_without_times(answer.json()))
        assert bodies[0] == bodies[1], params
        page = bodies[1]["roles_page"]
        assert page["total"] == HOLDERS
        assert len(bodies[1]["roles"]) == max(0, min(page["limit"], HOLDERS - page["offset"]))
        following = page["offset"] + page["limit"]
        assert page["next_offset"] == (following if following < HOLDERS else None)
        texts = [text for text, _ in statements_run]
        assert statement("subject_facts_roles") not in texts, params  # the hub's roles are never read whole
        paged = [p for text, p in statements_run if text == statement("subject_roles_page")]
        assert all(p["limit"] == page["limit"] and p["skip"] == page["offset"] for p in paged), params
        assert len(paged) == (1 if page["offset"] < HOLDERS else 0), params
