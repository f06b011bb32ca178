"""Analytics answers over HTTP say whether they are whole: ``complete`` and ``cut_by`` in the schema and the answer."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.api_world import running_app
from tests.scenario import Scenario


def test_http_answers_say_whether_a_cap_or_limit_cut_them(tmp_path: Path) -> None:
    s = Scenario()
    hub = s.org("超级节点")
    holders = [s.org(f"股东公司{i:02d}") for i in range(12)]
    for holder in holders:
        s.role(holder, "shareholder", hub, ratio=1)
    s.entry(holders[-1], "black")
    far = [s.org(f"链{i}公司") for i in range(4)]
    s.role(holders[0], "related_enterprise", far[0])
    for a, b in itertools.pairwise(far):
        s.role(a, "related_enterprise", b)
    with running_app(tmp_path, s) as (client, keys, _db):
        gov = keys.header("government")
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        assert {"complete", "cut_by"} <= set(schema["AnalyticsAnswer"]["properties"])

        capped = client.get(f"/v1/exposure/{hub}", params={"expand_cap": 10}, headers=gov).json()
        assert capped["complete"] is False
        [cut] = capped["cut_by"]
        assert (cut["limit"], cut["value"], cut["subjects"], cut["more_subjects"]) == ("expand_cap", 10, [hub], 0)
        whole = client.get(f"/v1/exposure/{hub}", params={"expand_cap": 12}, headers=gov).json()
        assert (whole["complete"], whole["cut_by"]) == (True, [])

        path = {"source": holders[-1], "target": far[-1]}
        short = client.get("/v1/paths", params=path | {"max_length": 3}, headers=gov).json()
        assert (short["length"], short["no_path"], short["complete"]) == (None, False, False)
        assert [c["limit"] for c in short["cut_by"]] == ["max_length"]
        found = client.get("/v1/paths", params=path, headers=gov).json()
        assert (found["length"], found["complete"]) == (6, True)

        owners = client.get(f"/v1/ownership/{hub}", params={"max_depth": 1}, headers=gov).json()
        assert owners["complete"] is True  # the holders have no owners of their own
        listing = client.get("/v1/groups", headers=gov).json()
        assert listing["complete"] is True
        answer = schema["AnalyticsAnswer"]["properties"]
        assert answer["cut_by"]["items"] == {"$ref": "#/components/schemas/AnalyticsCut"}
        subgraph = client.get(f"/v1/exposure/{hub}", params={"export": "json"}, headers=gov)
        assert subgraph.status_code == 200 and hub in {n["id"] for n in subgraph.json()["nodes"]}
