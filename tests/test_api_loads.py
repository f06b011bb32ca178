"""Files over HTTP (POST /v1/loads, issue 12): FtM entities, BODS statements and a department's export through a
shipped mapping load as `graphsvc load` loads them, authorised like every other write; titles and the precision
of partial dates show in the subject profile."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.tiers import Tier, add_key
from graphsvc.identifiers import make_uscc
from tests import test_formats as formats
from tests.api_world import AS_OF, DEPARTMENT, Keys, World, build_world, running_app
from tests.test_formats import PENALTY_HEADER, _bods03, _entity

FIRM = make_uscc("9", "1", "230602", "00000099")  # a firm the API world does not hold


def _penalty_row(
    department: str, *, name: str = "大庆某某食品有限公司", uscc: str = FIRM, number: str = "12"
) -> list[str]:
    return [
        name,
        "法人及非法人组织",
        uscc,
        "张伟",
        f"庆市监罚〔2024〕{number}号",
        "食品安全",
        "《食品安全法》第一百二十四条",
        "罚款",
        "罚款5万元",
        "2024/3/1",
        "2027年3月",
        department,
        "",
    ]


def _csv(rows: list[list[str]], encoding: str = "gbk") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PENALTY_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient, Keys, World]]:
    scenario, world = build_world()
    with running_app(tmp_path, scenario) as (client, keys, _db):
        yield client, keys, world


def _post(client: TestClient, body: bytes, headers: dict[str, str], content_type: str, **params: str) -> Any:
    return client.post("/v1/loads", content=body, params=params, headers={**headers, "Content-Type": content_type})


def _counts(client: TestClient, keys: Keys) -> dict[str, Any]:
    response = client.get("/v1/statistics", params={"by": "list_type"}, headers=keys.header("admin"))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_a_department_loads_its_own_penalty_export_in_gbk_through_the_mapping(app: Any) -> None:
    client, keys, _world = app
    response = _post(
        client,
        _csv([_penalty_row(DEPARTMENT)]),
        keys.header("government"),
        "text/csv",
        format="mapped",
        mapping="shuanggongshi_penalty",
        filename="行政处罚.csv",
    )
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["loaded"] and report["format"] == "mapped"
    assert report["encodings"] == {"行政处罚.csv": "gb18030"}
    assert report["tables"]["entries"]["inserted"] == 1
    assert report["warnings_by_kind"]["partial_date"] == 1  # 公示截止期 2027年3月
    assert "store" not in report and "行政处罚.csv" in report["source"]
    profile = client.get(f"/v1/subjects/{FIRM}", params={"as_of": "2024-06-01"}, headers=keys.header("government"))
    assert profile.status_code == 200, profile.text
    [entry] = [e for e in profile.json()["entry_history"] if e["entry_id"].startswith("庆市监罚〔2024〕12号")]
    assert (entry["valid_until"], entry["valid_until_precision"]) == ("2027-03-31", "month")
    assert entry["determined_on_precision"] is None


def test_a_key_with_a_region_loads_only_subjects_of_its_region(app: Any, tmp_path: Path) -> None:
    """A firm new to the store is placed by its 统一社会信用代码 (characters 3-8: 230602, 萨尔图区) when the file
    states no region; 龙凤区's key may not load it, the city's may."""
    client, keys, _world = app
    upload = {"format": "mapped", "mapping": "shuanggongshi_penalty"}

    def key(key_id: str, region: str) -> dict[str, str]:
        return {
            "X-API-Key": add_key(tmp_path / "keys.json", key_id, Tier.GOVERNMENT, department=DEPARTMENT, region=region)
        }

    refused = _post(client, _csv([_penalty_row(DEPARTMENT)]), key("longfeng", "230603"), "text/csv", **upload)
    assert refused.status_code == 403 and refused.json()["title"] == "Not your region", refused.text
    loaded = _post(client, _csv([_penalty_row(DEPARTMENT)]), key("daqing-city", "230600"), "text/csv", **upload)
    assert loaded.status_code == 201, loaded.text
    profile = client.get(f"/v1/subjects/{FIRM}", params={"as_of": "2024-06-01"}, headers=keys.header("government"))
    [entry] = profile.json()["entry_history"]
    assert (entry["published_by"], entry["published_on"]) == (DEPARTMENT, "2024-03-01")  # 处罚机关, 处罚决定日期


def test_another_departments_row_refuses_the_whole_file(app: Any) -> None:
    client, keys, _world = app
    before = _counts(client, keys)
    response = _post(
        client,
        _csv([_penalty_row(DEPARTMENT), _penalty_row("大庆市税务局", number="13")]),
        keys.header("government"),
        "text/csv",
        format="mapped",
        mapping="shuanggongshi_penalty",
    )
    assert response.status_code == 403, response.text
    assert response.json()["title"] == "Not your department"
    assert _counts(client, keys) == before


def test_a_department_may_add_subjects_but_not_change_the_registry(app: Any) -> None:
    client, keys, _world = app
    upload = {"format": "mapped", "mapping": "shuanggongshi_penalty"}
    first = _post(client, _csv([_penalty_row(DEPARTMENT)]), keys.header("government"), "text/csv", **upload)
    assert first.status_code == 201, first.text
    before = _counts(client, keys)
    renamed = _csv([_penalty_row(DEPARTMENT, name="大庆另一家公司", number="14")])
    refused = _post(client, renamed, keys.header("government"), "text/csv", **upload)
    assert refused.status_code == 403, refused.text
    assert refused.json()["title"] == "Registry facts" and FIRM in refused.json()["detail"]
    assert _counts(client, keys) == before
    # the same file again restates the firm and its legal representative unchanged: allowed, nothing changes
    again = _post(client, _csv([_penalty_row(DEPARTMENT)]), keys.header("government"), "text/csv", **upload)
    assert again.status_code == 201, again.text
    assert again.json()["tables"]["subjects"]["unchanged"] == 2 and again.json()["tables"]["entries"]["inserted"] == 0
    assert _post(client, renamed, keys.header("admin"), "text/csv", **upload).status_code == 201


def test_ftm_entities_load_and_show_titles_and_date_precision(app: Any) -> None:
    client, keys, _world = app
    lines = [
        _entity("Company", "c1", name="大庆某某有限公司", uscCode=FIRM, country="cn"),
        _entity("Person", "p1", name="张伟"),
        _entity("Directorship", "d1", director="p1", organization="c1", role="董事长", startDate="2018"),
    ]
    body = "\n".join(json.dumps(e.to_dict(), ensure_ascii=False) for e in lines).encode()
    response = _post(client, body, keys.header("admin"), "application/x-ndjson", format="ftm")
    assert response.status_code == 201, response.text
    assert response.json()["role_titles"] == {"董事长": ["director"]}
    profile = client.get("/v1/subjects/p1", params={"as_of": AS_OF}, headers=keys.header("admin"))
    assert profile.status_code == 200, profile.text
    [role] = profile.json()["roles"]
    assert (role["title"], role["valid_from"], role["valid_from_precision"]) == ("董事长", "2018-01-01", "year")


def test_a_bods_file_loads_and_a_bad_statement_is_named_by_json_pointer(app: Any) -> None:
    client, keys, _world = app
    # The BODS world's company under a USCC the API world does not hold.
    statements = json.loads(json.dumps(_bods03()).replace(formats.FIRM, FIRM))
    good = _post(client, json.dumps(statements).encode(), keys.header("admin"), "application/json", format="bods")
    assert good.status_code == 201, good.text
    assert good.json()["tables"]["roles"]["inserted"] >= 1
    # A shareholding above 100 %: refused, named by the statement's JSON pointer.
    broken = [
        *statements,
        {
            "statementID": "r9",
            "statementType": "ownershipOrControlStatement",
            "statementDate": "2022-01-01",
            "subject": {"describedByEntityStatement": "e1"},
            "interestedParty": {"describedByPersonStatement": "p1"},
            "interests": [{"type": "shareholding", "share": {"exact": 130}, "startDate": "2021-01-01"}],
        },
    ]
    response = _post(client, json.dumps(broken).encode(), keys.header("admin"), "application/json", format="bods")
    assert response.status_code == 422, response.text
    assert any(e.get("pointer", "").startswith(f"/{len(statements)}") for e in response.json()["errors"])


def test_uploads_need_the_government_tier_a_shipped_mapping_and_a_known_body(app: Any) -> None:
    client, keys, _world = app
    body = _csv([_penalty_row(DEPARTMENT)])
    public = _post(client, body, {}, "text/csv", format="mapped", mapping="shuanggongshi_penalty")
    assert public.status_code in {401, 403}
    own_file = _post(client, body, keys.header("admin"), "text/csv", format="mapped", mapping="/etc/passwd")
    assert own_file.status_code == 400 and "shipped mapping" in own_file.json()["detail"]
    unknown = _post(client, body, keys.header("admin"), "application/octet-stream", format="mapped")
    assert unknown.status_code == 400 and "Content-Type" in unknown.json()["detail"]
    empty = _post(client, b"", keys.header("admin"), "text/csv", format="mapped", mapping="shuanggongshi_penalty")
    assert empty.status_code == 400 and "body is empty" in empty.json()["detail"]
    stray = _post(client, b"{}", keys.header("admin"), "application/json", format="ftm", mapping="bdci2017")
    assert stray.status_code == 400 and "format mapped only" in stray.json()["detail"]
    # JSON is UTF-8: other bytes are a problem of the file, not an error of the service (nor a look at its folders)
    latin = _post(client, b"\x80\xff{", keys.header("admin"), "application/json", format="ftm")
    assert latin.status_code == 422 and "not UTF-8" in json.dumps(latin.json()), latin.text
    latin = _post(client, b"\x80\xff{", keys.header("admin"), "application/json", format="bods")
    assert latin.status_code == 400 and latin.json()["detail"].startswith("upload.json holds no BODS"), latin.text
    listed = client.get("/v1/mappings")
    assert listed.status_code == 200 and "shuanggongshi_penalty" in listed.json()


def test_over_http_a_name_in_a_person_id_is_refused_and_mapped_persons_get_the_deployments_opaque_ids(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loaders.person_ids import ID_KEY_ENV, opaque_id

    client, keys, _world = app
    person = _entity("Person", "ofac-zhang-wei", name="Zhang Wei")
    named = _post(
        client, json.dumps(person.to_dict()).encode(), keys.header("admin"), "application/x-ndjson", format="ftm"
    )
    assert named.status_code == 422, named.text
    [error] = named.json()["errors"]
    assert error["column"] == "subject_id" and error["value"] == "ofac-z****-w**"
    assert "embeds the person's name" in error["reason"] and "opaque: true" in error["reason"]
    monkeypatch.setenv(ID_KEY_ENV, "the deployment's key")
    upload = {"format": "mapped", "mapping": "shuanggongshi_penalty"}
    loaded = _post(client, _csv([_penalty_row(DEPARTMENT)]), keys.header("government"), "text/csv", **upload)
    assert loaded.status_code == 201, loaded.text
    lr = opaque_id(f"{FIRM}/张伟", key=b"the deployment's key")
    profile = client.get(f"/v1/subjects/{lr}", params={"as_of": "2024-06-01"}, headers=keys.header("government"))
    assert profile.status_code == 200, profile.text
    assert [(r["role"], r["target_id"]) for r in profile.json()["roles"]] == [("legal_representative", FIRM)]
