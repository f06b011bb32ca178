"""Real data in: FollowTheMoney, BODS, mapped Chinese exports, GBK files and the fit rules, each on small files
the tests write themselves, through the same validation and load report as the canonical files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model

from graphsvc.cli import main
from graphsvc.errors import InputError, Problem
from graphsvc.identifiers import make_id_number, make_uscc
from graphsvc.loading import LoadOptions, LoadRefused, LoadSummary, RatioScale
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.vocabulary import vocabulary
from loaders.fit import parse_date
from loaders.intake import detect_format, load
from loaders.person_ids import opaque_id
from tests.scenario import Scenario

DAY = dt.date(2024, 6, 30)
FIRM = make_uscc("9", "1", "230602", "00000001")
PARENT = make_uscc("9", "1", "110105", "00000002")
PERSON_ID = make_id_number("230602", dt.date(1975, 3, 4), 17)


def _rows(table: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def roles_of(store: EmbeddedStore, on: dt.date = DAY) -> list[dict[str, Any]]:
    return _rows(store.graph_on(on)[1])


def subjects_of(store: EmbeddedStore) -> dict[str, dict[str, Any]]:
    return {r["subject_id"]: r for r in _rows(store.current_subjects())}


def entries_of(store: EmbeddedStore) -> dict[str, dict[str, Any]]:
    return {r["entry_id"]: r for r in _rows(store.current_entries())}


def kinds(summary: LoadSummary) -> dict[str, int]:
    return summary.warnings_by_kind()


# -- encodings -----------------------------------------------------------------------------------------------


def _gbk_world(directory: Path) -> Path:
    s = Scenario()
    firm = s.org("大庆某某食品有限公司")
    person = s.person("张伟")
    s.role(person, "董事长", firm)
    s.entry(firm, "黑名单", domain="食品安全")
    s.write(directory)
    for name in ("subjects.csv", "roles.csv", "entries.csv", "responsibilities.csv"):
        path = directory / name
        path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    return directory


def test_a_gbk_csv_saved_by_excel_is_detected_and_loaded(tmp_path: Path, store: EmbeddedStore) -> None:
    summary = load(_gbk_world(tmp_path / "in"), store)
    assert summary.format == "canonical"
    assert summary.encodings["subjects.csv"] == summary.encodings["roles.csv"] == "gb18030"
    assert summary.encodings["responsibilities.csv"] == "utf-8"  # its header alone: ASCII
    assert "大庆某某食品有限公司" in {s["name"] for s in subjects_of(store).values()}
    assert [r["role"] for r in roles_of(store)] == ["director"]  # 董事长 through the role aliases
    assert summary.role_titles == {"董事长": ["director"]}
    assert summary.tables["subjects"].inserted == 2


def test_an_encoding_given_on_the_command_line_is_used(tmp_path: Path, store: EmbeddedStore) -> None:
    directory = _gbk_world(tmp_path / "in")
    summary = load(directory, store, LoadOptions(encoding="gbk"))
    assert set(summary.encodings.values()) == {"gb18030"}  # GBK is read as its superset, for every file
    with pytest.raises(InputError, match="not an encoding"):
        load(directory, store, LoadOptions(encoding="klingon"))


def test_a_wrong_encoding_is_a_problem_naming_the_file(tmp_path: Path, store: EmbeddedStore) -> None:
    directory = _gbk_world(tmp_path / "in")
    with pytest.raises(Exception) as caught:
        load(directory, store, LoadOptions(encoding="utf-8"))
    problems: list[Problem] = getattr(caught.value, "problems", [])
    assert problems and problems[0].file == "subjects.csv" and "cannot read the file" in problems[0].reason


# -- fit rules -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2019", False, ("2019-01-01", "year")),
        ("2019", True, ("2019-12-31", "year")),
        ("2019-06", False, ("2019-06-01", "month")),
        ("2019-02", True, ("2019-02-28", "month")),
        ("2019/6/1", False, ("2019-06-01", "day")),
        ("2019年6月1日", True, ("2019-06-01", "day")),
        ("2014年08月", False, ("2014-08-01", "month")),
        ("20190601", False, ("2019-06-01", "day")),
        ("2012-11-29T00:00:00.000Z", False, ("2012-11-29", "day")),
        ("2019-13", False, None),
        ("soon", False, None),
    ],
)
def test_partial_and_local_dates(text: str, end: bool, expected: tuple[str, str] | None) -> None:
    assert parse_date(text, end=end) == expected


def _one_holding(tmp_path: Path, ratio: str, **role: str) -> Path:
    s = Scenario()
    firm, owner = s.org("甲公司"), s.org("乙公司")
    s.role(owner, "shareholder", firm, since=role.get("since", "2015-01-01"), until=role.get("until"))
    s.roles[-1]["ratio"] = ratio
    return s.write(tmp_path / "in")


def test_year_only_and_chinese_dates_load_with_their_precision_warned(tmp_path: Path, store: EmbeddedStore) -> None:
    summary = load(_one_holding(tmp_path, "40", since="2019", until="2020年6月"), store)
    [role] = roles_of(store, dt.date(2019, 1, 1))
    assert (role["valid_from"], role["valid_to"]) == (dt.date(2019, 1, 1), dt.date(2020, 6, 30))
    partial = [w for w in summary.warnings if w.kind == "partial_date"]
    assert {(w.column, w.value) for w in partial} == {("valid_from", "2019"), ("valid_to", "2020年6月")}
    assert all(w.file == "roles.csv" and w.row == 2 for w in partial)


def test_the_title_as_written_and_the_precision_of_partial_dates_are_stored(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    s = Scenario()
    firm, person = s.org("甲公司"), s.person("赵六")
    s.role(person, "执行董事兼总经理", firm, since="2019-06")
    s.role(person, "legal_representative", firm, since="2019-06-01")
    s.entry(firm, "black", domain="tax", determined_on="2024年3月", valid_until="2027")
    load(s.write(tmp_path / "in"), store)
    roles = {r["role"]: r for r in store.subject_facts(person)["roles"].to_pylist()}
    assert {k: (r["title"], r["valid_from"], r["valid_from_precision"]) for k, r in roles.items()} == {
        "director": ("执行董事兼总经理", dt.date(2019, 6, 1), "month"),
        "senior_manager": ("执行董事兼总经理", dt.date(2019, 6, 1), "month"),
        "legal_representative": (None, dt.date(2019, 6, 1), None),
    }
    [entry] = entries_of(store).values()
    assert (entry["determined_on"], entry["determined_on_precision"]) == (dt.date(2024, 3, 1), "month")
    assert (entry["valid_until"], entry["valid_until_precision"]) == (dt.date(2027, 12, 31), "year")


def test_a_precision_column_in_the_canonical_file_is_checked(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    firm, owner = s.org("甲公司"), s.org("乙公司")
    s.role(owner, "shareholder", firm, ratio=10, since="2019-01-01")
    s.roles[-1]["valid_from_precision"] = "decade"
    s.role(owner, "related_enterprise", firm)
    s.roles[-1]["valid_to_precision"] = "year"
    with pytest.raises(LoadRefused) as refused:
        load(s.write(tmp_path / "in"), store)
    assert sorted((p.row, p.column, p.reason) for p in refused.value.problems) == [
        (2, "valid_from_precision", "the precision of valid_from is year, month or day (or empty for a whole date)"),
        (3, "valid_to_precision", "a precision without a valid_to"),
    ]


def test_library_loads_apply_the_fit_rules_as_the_command_line_does(tmp_path: Path, store: EmbeddedStore) -> None:
    """load_tables and load_directory (the API's and scripts' calls) fit real values and report what they did."""
    import pyarrow as pa

    from loaders.canonical import load_directory, load_tables

    s = Scenario()
    firm, owner, person = s.org("甲公司"), s.org("乙公司"), s.person("钱七")
    report = load_tables(
        {
            "subjects": pa.Table.from_pylist(s.subjects),
            "roles": pa.table(
                {
                    "source_id": [owner, person],
                    "role": ["股东", "董事长"],
                    "target_id": [firm, firm],
                    "ratio": ["60%", "5"],
                    "valid_from": ["2019年6月1日", "2018"],
                }
            ),
        },
        store,
    )
    assert report.result is not None
    assert {w.kind for w in report.warnings} == {"partial_date", "ignored_field"}
    held = {
        r["role"]: (r["ratio"], r["valid_from"], r["title"]) for r in store.subject_facts(firm)["roles"].to_pylist()
    }
    assert held == {
        "shareholder": (60.0, dt.date(2019, 6, 1), "股东"),
        "director": (None, dt.date(2018, 1, 1), "董事长"),
    }
    t = Scenario()
    t.entry(firm, "red", domain="tax", severity="general")
    t.subjects, t.roles = [], []
    directory = t.write(tmp_path / "red")
    (directory / "subjects.csv").unlink()
    (directory / "roles.csv").unlink()
    assert [w.kind for w in load_directory(directory, store).warnings] == ["ignored_field", "publication_assumed"]


def test_percent_signs_and_fractions(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "a.duckdb") as store:
        load(_one_holding(tmp_path / "a", "60%"), store)
        assert [r["ratio"] for r in roles_of(store)] == [60.0]
    with EmbeddedStore(tmp_path / "b.duckdb") as store:
        summary = load(_one_holding(tmp_path / "b", "0.6"), store, LoadOptions(ratio_scale=RatioScale.FRACTION))
        assert [r["ratio"] for r in roles_of(store)] == [60.0]
        assert "ratio_scale" not in kinds(summary)


def test_ratios_that_all_lie_between_0_and_1_are_warned_about(tmp_path: Path, store: EmbeddedStore) -> None:
    summary = load(_one_holding(tmp_path, "0.6"), store)
    assert [r["ratio"] for r in roles_of(store)] == [0.6]  # read as given: 0.6 %
    [warning] = [w for w in summary.warnings if w.kind == "ratio_scale"]
    assert "--ratio-scale fraction" in warning.message


def test_shares_over_100_percent_on_a_date_are_a_warning_not_an_error(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    firm, a, b = s.org("甲公司"), s.org("乙公司"), s.person("王五")
    s.role(a, "shareholder", firm, ratio=90, since="2015-01-01", until="2019-12-31")
    s.role(b, "shareholder", firm, ratio=81, since="2019-06-01")
    summary = load(s.write(tmp_path / "in"), store)
    [warning] = [w for w in summary.warnings if w.kind == "shares_over_100"]
    assert warning.value == firm and "171 %" in warning.message and "2019-06-01" in warning.message
    assert summary.loaded and summary.tables["roles"].inserted == 2


def test_shares_with_the_stored_holdings_warn_only_over_100_percent(tmp_path: Path, store: EmbeddedStore) -> None:
    first, second = Scenario(), Scenario(_n=10)
    firm, owner = first.org("甲公司"), first.org("乙公司")
    first.role(owner, "shareholder", firm, ratio=60, since="2019-01-01")
    load(first.write(tmp_path / "first"), store)
    newcomer = second.org("丙公司")
    second.subjects.append({**first.subjects[0]})
    second.role(newcomer, "shareholder", firm, ratio=30, since="2020-01-01")
    assert "shares_over_100" not in kinds(load(second.write(tmp_path / "second"), store))  # 90 %
    # the stored 60 % restated as 75 % counts once, as loaded: 75 + 30 = 105 %
    third = Scenario(_n=20)
    third.subjects += [{**first.subjects[0]}, {**first.subjects[1]}]
    third.role(owner, "shareholder", firm, ratio=75, since="2019-01-01")
    [warning] = [w for w in load(third.write(tmp_path / "third"), store).warnings if w.kind == "shares_over_100"]
    assert "105 %" in warning.message and "1 of them already in the store" in warning.message


def test_holdings_in_sequence_do_not_add_up(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    firm, a, b = s.org("甲公司"), s.org("乙公司"), s.org("丙公司")
    s.role(a, "shareholder", firm, ratio=90, since="2015-01-01", until="2018-12-31")
    s.role(b, "shareholder", firm, ratio=90, since="2019-01-01")
    assert "shares_over_100" not in kinds(load(s.write(tmp_path / "in"), store))


def test_a_severity_on_a_red_entry_and_a_ratio_on_a_director_are_ignored_with_warnings(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    s = Scenario()
    firm, person = s.org("甲公司"), s.person("李四")
    s.role(person, "director", firm, ratio=10)
    red = s.entry(firm, "red", severity="general")
    summary = load(s.write(tmp_path / "in"), store)
    ignored = {(w.file, w.column) for w in summary.warnings if w.kind == "ignored_field"}
    assert ignored == {("roles.csv", "ratio"), ("entries.csv", "severity")}
    assert entries_of(store)[red]["severity"] is None
    assert [r["ratio"] for r in roles_of(store)] == [None]


def test_an_empty_scope_takes_the_deployment_default_or_is_refused_with_the_allowed_values(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    s = Scenario()
    entry = s.entry(s.org("甲公司"), "focus", severity="general", scope="")
    directory = s.write(tmp_path / "in")
    with pytest.raises(LoadRefused) as refused:
        load(directory, store)
    [problem] = refused.value.problems
    assert problem.column == "scope" and all(s in problem.reason for s in ("public", "government", "authorised"))
    assert "--default-scope" in problem.reason
    summary = load(directory, store, LoadOptions(default_scope="government"))
    assert entries_of(store)[entry]["scope"] == "government"
    assert kinds(summary) == {"default_scope": 1, "publication_assumed": 1}
    with pytest.raises(InputError, match="expected one of"):
        load(directory, store, LoadOptions(default_scope="everyone"))


def test_a_combined_title_becomes_one_role_per_part(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    firm, person = s.org("甲公司"), s.person("赵六")
    s.role(person, "执行董事兼总经理", firm)
    summary = load(s.write(tmp_path / "in"), store)
    assert sorted(r["role"] for r in roles_of(store)) == ["director", "senior_manager"]
    assert summary.role_titles == {"执行董事兼总经理": ["director", "senior_manager"]}


def test_an_unknown_title_is_still_refused_with_the_nearest_role(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    s.role(s.person("赵六"), "总经里兼清洁工", s.org("甲公司"))
    with pytest.raises(LoadRefused) as refused:
        load(s.write(tmp_path / "in"), store)
    assert [(p.file, p.row, p.column) for p in refused.value.problems] == [("roles.csv", 2, "role")]


# -- FollowTheMoney --------------------------------------------------------------------------------------------


def _ftm(path: Path, *entities: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in entities), encoding="utf-8")
    return path


def _entity(schema: str, entity_id: str, **props: str | list[str]) -> Any:
    e = model.make_entity(schema)
    e.id = entity_id
    for prop, values in props.items():
        for value in [values] if isinstance(values, str) else values:
            e.add(prop, value)
    return e


def _ftm_world(path: Path) -> Path:
    return _ftm(
        path,
        _entity("Company", "c1", name="大庆某某有限公司", uscCode=FIRM, country="cn"),
        _entity("Company", "c2", name="北京某某集团", registrationNumber=["123", PARENT]),
        _entity("Person", "p1", name="张伟", idNumber=PERSON_ID, topics="poi"),
        _entity("PublicBody", "g1", name="某某市政府"),
        _entity("Ownership", "o1", owner="c2", asset="c1", percentage="60%", startDate="2019-06"),
        _entity("Directorship", "d1", director="p1", organization="c1", role="董事长", startDate="2018"),
        _entity("Directorship", "d2", director="p1", organization="c2", role="Member of the supervisory organ"),
        _entity(
            "Sanction",
            "s1",
            entity="c1",
            program="失信被执行人",
            authority="大庆市中级人民法院",
            listingDate="2024-03-01",
        ),
        _entity("Sanction", "s2", entity="c2", listingDate="2023-01-05", endDate="2026-01-05", reason="fraud"),
        _entity("Address", "a1", full="大庆市"),
    )


def test_ftm_entities_become_subjects_roles_and_entries(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _ftm_world(tmp_path / "in" / "world.ftm.json")
    assert detect_format(path.parent, LoadOptions()) == "ftm"
    summary = load(path.parent, store)
    subjects = subjects_of(store)
    assert {k: (v["kind"], v["uscc"], v["id_number"]) for k, v in subjects.items()} == {
        "c1": ("enterprise", FIRM, None),
        "c2": ("enterprise", PARENT, None),
        "p1": ("person", None, PERSON_ID),
        "g1": ("government", None, None),
    }
    roles = {(r["source_id"], r["role"], r["target_id"]): r for r in roles_of(store)}
    assert roles[("c2", "shareholder", "c1")]["ratio"] == 60.0
    assert roles[("c2", "shareholder", "c1")]["valid_from"] == dt.date(2019, 6, 1)
    assert roles[("p1", "director", "c1")]["valid_from"] == dt.date(2018, 1, 1)
    assert ("p1", "director", "c2") in roles  # a Directorship whose text names no role: a director
    entries = entries_of(store)
    assert entries["s1"]["list_type"] == "court_defaulter" and entries["s1"]["department"] == "大庆市中级人民法院"
    assert entries["s2"]["list_type"] == "black" and entries["s2"]["valid_until"] == dt.date(2026, 1, 5)
    assert "p1:topic:poi" not in entries  # no first_seen date: no entry can be determined
    assert summary.role_titles["董事长"] == ["director"]
    assert summary.role_titles["Member of the supervisory organ"] == ["director"]
    assert kinds(summary)["ignored_record"] == 1


def test_ftm_topics_and_programs_map_to_list_types_through_an_override_file(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    person = _entity("Person", "p9", name="李娜", topics="poi")
    data = person.to_dict() | {"first_seen": "2024-02-03T10:00:00"}
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "p.json").write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    override = tmp_path / "ftm.yaml"
    override.write_text("topics: {poi: focus}\nscope: government\n", encoding="utf-8")
    load(directory, store, LoadOptions(format="ftm", mapping=str(override)))
    entry = entries_of(store)["p9:topic:poi"]
    assert (entry["list_type"], entry["scope"], entry["determined_on"]) == ("focus", "government", dt.date(2024, 2, 3))


def test_an_invalid_ftm_entity_is_named_by_file_and_line_and_nothing_is_loaded(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    path = _ftm(
        tmp_path / "in" / "x.jsonl",
        _entity("Company", "c1", name="甲公司"),
        _entity("Ownership", "o1", owner="nobody", asset="c1", percentage="150"),
    )
    with pytest.raises(LoadRefused) as refused:
        load(path, store)
    where = {(p.file, p.row, p.column) for p in refused.value.problems}
    assert where == {("x.jsonl", 2, "source_id"), ("x.jsonl", 2, "ratio")}
    assert store.stats()["subjects"] == 0
    summary = load(path, store, LoadOptions(skip_invalid=True))
    assert summary.tables["roles"].rejected == 1 and summary.tables["subjects"].inserted == 1
    rejected = list(csv.DictReader((tmp_path / "in" / "x.jsonl.rejected.csv").open(encoding="utf-8")))
    assert {r["row"] for r in rejected} == {"2"}


# -- BODS ------------------------------------------------------------------------------------------------------


def _bods03() -> list[dict[str, Any]]:
    return [
        {
            "statementID": "e1",
            "statementType": "entityStatement",
            "entityType": "registeredEntity",
            "name": "甲有限公司",
            "identifiers": [{"scheme": "CN-USCC", "id": FIRM}],
            "statementDate": "2020-01-01",
        },
        {
            "statementID": "e2",
            "statementType": "entityStatement",
            "entityType": "registeredEntity",
            "name": "乙有限公司",
            "statementDate": "2020-01-01",
        },
        {
            "statementID": "p1",
            "statementType": "personStatement",
            "personType": "knownPerson",
            "names": [{"fullName": "王芳"}],
            "identifiers": [{"id": PERSON_ID}],
            "statementDate": "2020-01-01",
        },
        {
            "statementID": "r1",
            "statementType": "ownershipOrControlStatement",
            "statementDate": "2020-01-01",
            "subject": {"describedByEntityStatement": "e1"},
            "interestedParty": {"describedByEntityStatement": "e2"},
            "interests": [
                {"type": "shareholding", "share": {"exact": 30}, "startDate": "2019-01-01"},
                {"type": "voting-rights", "share": {"exact": 35}, "startDate": "2019-01-01"},
            ],
        },
        {
            "statementID": "r2",
            "statementType": "ownershipOrControlStatement",
            "statementDate": "2020-01-01",
            "subject": {"describedByEntityStatement": "e1"},
            "interestedParty": {"describedByPersonStatement": "p1"},
            "interests": [
                {"type": "shareholding", "share": {"minimum": 25, "maximum": 50}, "startDate": "2019"},
                {"type": "board-member", "startDate": "2019-03-01"},
                {"type": "other-influence-or-control"},
            ],
        },
        # e2 renamed: replaces e1's counterpart statement and keeps the subject.
        {
            "statementID": "e2b",
            "statementType": "entityStatement",
            "entityType": "registeredEntity",
            "name": "乙集团有限公司",
            "replacesStatements": ["e2"],
            "statementDate": "2021-05-01",
        },
    ]


def test_bods_03_statements_become_subjects_and_roles(tmp_path: Path, store: EmbeddedStore) -> None:
    path = tmp_path / "in" / "statements.json"
    path.parent.mkdir()
    path.write_text(json.dumps(_bods03(), ensure_ascii=False), encoding="utf-8")
    assert detect_format(path, LoadOptions()) == "bods"
    summary = load(path, store)
    subjects = subjects_of(store)
    assert subjects["e1"]["uscc"] == FIRM and subjects["p1"]["id_number"] == PERSON_ID
    assert subjects["e2"]["name"] == "乙集团有限公司"  # the replacement supersedes, same subject
    assert "e2b" not in subjects
    roles = {(r["source_id"], r["role"], r["target_id"]): r for r in roles_of(store)}
    assert roles[("e2", "shareholder", "e1")]["ratio"] == 30.0  # shareholding before voting rights
    assert roles[("p1", "shareholder", "e1")]["ratio"] == 25.0
    assert ("p1", "director", "e1") in roles and ("p1", "actual_controller", "e1") in roles
    assert {"share_range", "replaced_statement", "partial_date"} <= set(kinds(summary))


def test_bods_04_records_supersede_by_statement_date_and_closed_relationships_end(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    def entity(record: str, name: str, date: str) -> dict[str, Any]:
        return {
            "statementId": f"{record}-{date}",
            "recordId": record,
            "recordType": "entity",
            "statementDate": date,
            "recordStatus": "new",
            "recordDetails": {"entityType": {"type": "registeredEntity"}, "name": name},
        }

    statements = [
        entity("E1", "甲公司", "2020-01-01"),
        entity("E1", "甲股份公司", "2022-01-01"),
        entity("E2", "乙公司", "2020-01-01"),
        {
            "statementId": "R1-a",
            "recordId": "R1",
            "recordType": "relationship",
            "statementDate": "2020-01-01",
            "recordStatus": "new",
            "recordDetails": {
                "subject": "E1",
                "interestedParty": "E2",
                "interests": [{"type": "shareholding", "share": {"exact": 51}, "startDate": "2020-01-01"}],
            },
        },
        {
            "statementId": "R1-b",
            "recordId": "R1",
            "recordType": "relationship",
            "statementDate": "2023-06-30",
            "recordStatus": "closed",
            "recordDetails": {
                "subject": "E1",
                "interestedParty": "E2",
                "interests": [{"type": "shareholding", "share": {"exact": 51}, "startDate": "2020-01-01"}],
            },
        },
    ]
    path = tmp_path / "in" / "bods.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statements), encoding="utf-8")
    load(path, store)
    assert subjects_of(store)["E1"]["name"] == "甲股份公司"
    [role] = roles_of(store, dt.date(2021, 1, 1))
    assert (role["ratio"], role["valid_to"]) == (51.0, dt.date(2023, 6, 30))
    assert roles_of(store, dt.date(2024, 1, 1)) == []


def test_a_bods_problem_is_named_by_json_pointer(tmp_path: Path, store: EmbeddedStore) -> None:
    statements = _bods03()
    statements[3]["interests"][0]["share"] = {"exact": 130}
    path = tmp_path / "in" / "statements.json"
    path.parent.mkdir()
    path.write_text(json.dumps(statements, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LoadRefused) as refused:
        load(path, store)
    [problem] = refused.value.problems
    assert (problem.file, problem.pointer, problem.column, problem.value) == (
        "statements.json",
        "/3/interests/0",
        "ratio",
        "130",
    )
    assert str(problem).startswith("statements.json /3/interests/0, column ratio: value '130'")


# -- column mappings -------------------------------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


PENALTY_HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "处罚决定书文号",
    "违法行为类型",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "处罚决定日期",
    "公示截止期",
    "处罚机关",
    "备注",
]


def test_a_shuanggongshi_penalty_export_in_gbk_loads_through_its_mapping(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _write_csv(
        tmp_path / "in" / "行政处罚.csv",
        PENALTY_HEADER,
        [
            [
                "大庆某某食品有限公司",
                "法人及非法人组织",
                FIRM,
                "张伟",
                "庆市监罚〔2024〕12号",
                "食品安全",
                "《食品安全法》第一百二十四条",
                "罚款;没收违法所得",
                "罚款5万元",
                "2024/3/1",
                "2027年3月1日",
                "大庆市市场监督管理局",
                "",
            ],
            [
                "北京某某集团",
                "法人及非法人组织",
                PARENT,
                "",
                "京税罚〔2024〕3号",
                "偷税",
                "《税收征收管理法》第六十三条",
                "吊销许可证",
                "吊销",
                "2024-05-06",
                "",
                "国家税务总局北京市税务局",
                "",
            ],
            ["王某", "自然人", "", "", "罚〔2024〕1号", "", "", "警告", "", "2024-01-01", "", "某局", ""],
        ],
        encoding="gbk",
    )
    summary = load(path.parent, store, LoadOptions(mapping="shuanggongshi_penalty"))
    assert summary.format == "mapped" and summary.encodings == {"行政处罚.csv": "gb18030"}
    subjects = subjects_of(store)
    zhang = opaque_id(f"{FIRM}/张伟")  # the legal representative's opaque id, as registry_extract makes it
    assert subjects[FIRM]["uscc"] == FIRM and subjects[zhang]["kind"] == "person"
    assert [(r["source_id"], r["role"]) for r in roles_of(store)] == [(zhang, "legal_representative")]
    entries = entries_of(store)
    food = entries[f"庆市监罚〔2024〕12号/{FIRM}"]
    assert (food["list_type"], food["severity"], food["domain"]) == ("focus", "fairly_serious", "market_supervision")
    assert (food["determined_on"], food["valid_until"]) == (dt.date(2024, 3, 1), dt.date(2027, 3, 1))
    tax = entries[f"京税罚〔2024〕3号/{PARENT}"]
    assert (tax["list_type"], tax["severity"], tax["domain"]) == ("black", "serious", "tax")
    assert len(entries) == 2  # the natural person's row makes no organisation entry
    assert kinds(summary)["mapping_skipped"] >= 1


def test_a_court_defaulter_publication_loads_through_its_mapping(tmp_path: Path, store: EmbeddedStore) -> None:
    header = [
        "被执行人姓名/名称",
        "性别",
        "年龄",
        "身份证号码/组织机构代码",
        "法定代表人或者负责人姓名",
        "执行法院",
        "省份",
        "执行依据文号",
        "立案时间",
        "案号",
        "失信被执行人行为具体情形",
        "发布时间",
    ]
    path = _write_csv(
        tmp_path / "in" / "失信被执行人.csv",
        header,
        [
            [
                "李某",
                "男",
                "45",
                "2306021975****1234",
                "",
                "大庆市萨尔图区人民法院",
                "黑龙江",
                "(2023)黑0602民初1号",
                "2023年10月9日",
                "(2023)黑0602执1234号",
                "有履行能力而拒不履行",
                "2024年1月5日",
            ],
            [
                "大庆某某食品有限公司",
                "",
                "",
                FIRM,
                "张伟",
                "大庆市中级人民法院",
                "黑龙江",
                "(2022)黑06民初9号",
                "2023-02-01",
                "(2023)黑06执88号",
                "违反财产报告制度",
                "2023-06-01",
            ],
        ],
    )
    load(path, store, LoadOptions(mapping="shixin_beizhixingren"))
    entries = entries_of(store)
    person = entries[opaque_id("(2023)黑0602执1234号/李某", "e")]
    assert (person["list_type"], person["domain"], person["determined_on"]) == (
        "court_defaulter",
        "judicial",
        dt.date(2024, 1, 5),
    )
    assert person["subject_id"] == opaque_id("court/2306021975****1234/李某")
    assert subjects_of(store)[person["subject_id"]]["kind"] == "person"
    firm = entries["(2023)黑06执88号/大庆某某食品有限公司"]
    assert firm["subject_id"] == FIRM and subjects_of(store)[FIRM]["uscc"] == FIRM
    assert firm["severity"] is None  # unstated: the profile's reading of court_defaulter decides (serious)
    # a list the courts designated and published: marked with the publishing court and 发布时间
    assert (person["published_by"], person["published_on"]) == ("大庆市萨尔图区人民法院", dt.date(2024, 1, 5))
    assert (firm["published_by"], firm["published_on"]) == ("大庆市中级人民法院", dt.date(2023, 6, 1))


def test_a_registry_extract_loads_legal_representatives_officers_and_shareholders(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    directory = tmp_path / "in"
    _write_csv(
        directory / "企业基本信息.csv",
        ["企业名称", "统一社会信用代码", "法定代表人", "成立日期"],
        [["大庆某某食品有限公司", FIRM, "张伟", "2010-01-01"]],
    )
    _write_csv(
        directory / "主要人员.csv",
        ["企业名称", "统一社会信用代码", "姓名", "职务"],
        [["大庆某某食品有限公司", FIRM, "张伟", "执行董事兼总经理"], ["大庆某某食品有限公司", FIRM, "李娜", "监事"]],
    )
    _write_csv(
        directory / "股东信息.csv",
        ["企业名称", "统一社会信用代码", "股东名称", "股东类型", "证照/证件号码", "持股比例"],
        [
            ["大庆某某食品有限公司", FIRM, "张伟", "自然人股东", "", "40%"],
            ["大庆某某食品有限公司", FIRM, "北京某某集团", "企业法人", PARENT, "60.00%"],
        ],
    )
    summary = load(directory, store, LoadOptions(mapping="registry_extract"))
    held = sorted((r["source_id"], r["role"], r["ratio"]) for r in roles_of(store))
    zhang = opaque_id(f"{FIRM}/张伟")
    assert held == sorted(
        [
            (PARENT, "shareholder", 60.0),
            (zhang, "director", None),
            (zhang, "legal_representative", None),
            (zhang, "senior_manager", None),
            (zhang, "shareholder", 40.0),
            (opaque_id(f"{FIRM}/李娜"), "supervisor", None),
        ]
    )
    assert summary.role_titles["执行董事兼总经理"] == ["director", "senior_manager"]
    assert summary.tables["subjects"].inserted == 4  # the firm, 张伟 once across three files, 李娜, the parent


def test_a_mapping_that_names_a_missing_column_is_refused_with_the_header(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _write_csv(tmp_path / "in" / "x.csv", ["名称", "代码"], [["甲", FIRM]])
    with pytest.raises(LoadRefused) as refused:
        load(path.parent, store, LoadOptions(mapping="shuanggongshi_penalty"))
    missing = {p.column for p in refused.value.problems}
    assert "行政相对人名称" in missing and all("its header has 名称, 代码" in p.reason for p in refused.value.problems)


def test_a_mapped_file_with_prohibited_data_is_refused(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _write_csv(tmp_path / "in" / "x.csv", [*PENALTY_HEADER, "血型"], [[""] * (len(PENALTY_HEADER) + 1)])
    with pytest.raises(LoadRefused) as refused:
        load(path.parent, store, LoadOptions(mapping="shuanggongshi_penalty", skip_invalid=True))
    assert any("PRV-01" in p.reason for p in refused.value.problems)


def test_a_folder_of_foreign_csv_files_asks_for_a_mapping(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "in" / "x.csv", ["名称"], [["甲"]])
    with pytest.raises(InputError, match="--mapping"):
        detect_format(path.parent, LoadOptions())


# -- the command line and the load report ---------------------------------------------------------------------


def test_cli_prints_the_load_report_and_writes_it_as_json(tmp_path: Path) -> None:
    directory = _gbk_world(tmp_path / "in")
    report = tmp_path / "report.json"
    out = io.StringIO()
    code = main(["load", str(directory), "--db", str(tmp_path / "x.duckdb"), "--report", str(report)], out=out)
    assert code == 0
    text = out.getvalue()
    assert "format canonical" in text and "gb18030" in text and "subjects: 2 read, +2 new" in text
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["format"] == "canonical" and data["loaded"] is True
    assert data["tables"]["entries"] == {"read": 1, "inserted": 1, "superseded": 0, "unchanged": 0, "rejected": 0}
    assert data["encodings"]["subjects.csv"] == "gb18030"
    assert data["role_titles"] == {"董事长": ["director"]} and data["seconds"] >= 0


def test_the_operators_load_keeps_unmarked_entries_in_force_as_published_by_their_department(tmp_path: Path) -> None:
    """graphsvc load imports lists already in force elsewhere: an entry past its listing without publication
    marks is recorded as published by its department on its determination date, and the report says so; a
    candidate stays unmarked, and marks given are kept."""
    s = Scenario()
    firm = s.org("甲公司")
    unmarked = s.entry(firm, "black", determined_on="2024-03-01")
    candidate = s.entry(firm, "focus", severity="general", status="candidate", determined_on="2024-03-01")
    marked = s.entry(firm, "serious_illegal", published_by="国家市场监督管理总局", published_on="2024-03-05")
    nobodys = s.entry(firm, "black", determined_on="2024-03-02", department="")
    report = tmp_path / "report.json"
    db = str(tmp_path / "x.duckdb")
    out = io.StringIO()
    assert main(["load", str(s.write(tmp_path / "in")), "--db", db, "--report", str(report)], out=out) == 0
    assert "publication_assumed 1" in out.getvalue() and "publication_unmarked 1" in out.getvalue()
    assumed = [w for w in json.loads(report.read_text(encoding="utf-8"))["warnings"] if w["kind"] != "partial_date"]
    assert [(w["kind"], w["row"]) for w in assumed] == [("publication_assumed", 2), ("publication_unmarked", 5)]
    with EmbeddedStore(db, read_only=True) as store:
        marks = {e: (store.current_entry(e) or {}) for e in (unmarked, candidate, marked, nobodys)}
    shown = {e: (m["status"], m["published_by"], m["published_on"]) for e, m in marks.items()}
    assert shown == {
        unmarked: ("active", "大庆市市场监督管理局", dt.date(2024, 3, 1)),
        candidate: ("candidate", None, None),
        marked: ("active", "国家市场监督管理总局", dt.date(2024, 3, 5)),
        nobodys: ("active", None, None),
    }


def test_cli_refusal_still_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _ftm(tmp_path / "in" / "x.jsonl", _entity("Ownership", "o1", owner="a", asset="b"))
    report = tmp_path / "report.json"
    code = main(
        ["load", str(path), "--format", "ftm", "--db", str(tmp_path / "x.duckdb"), "--report", str(report)],
        out=io.StringIO(),
    )
    assert code == 1
    assert "x.jsonl, row 1, column source_id: value 'a': refers to unknown subject a" in capsys.readouterr().err
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["loaded"] is False and data["tables"]["roles"]["rejected"] == 1
    assert data["problems"][0]["file"] == "x.jsonl"


# -- FtM export and the round trip ---------------------------------------------------------------------------


def _round_trip_world() -> Scenario:
    s = Scenario()
    firm, parent, branch = s.org("大庆某某食品有限公司"), s.org("北京某某集团"), s.org("大庆某某食品有限公司分公司")
    lr, director = s.person("张伟"), s.person("李娜")
    s.role(lr, "legal_representative", firm, since="2016-01-01")
    s.role(director, "director", firm, since="2017-05-01", until="2030-12-31")
    s.role(parent, "shareholder", firm, ratio=62.5)
    s.role(lr, "shareholder", firm, ratio=37.5, since="2018-01-01")
    s.role(branch, "branch_of", firm)
    s.role(parent, "actual_controller", firm)
    s.entry(firm, "black", domain="food_drug", valid_until="2027-03-01")
    s.entry(firm, "focus", severity="fairly_serious", domain="environment", determined_on="2024-02-01")
    s.entry(lr, "court_defaulter", domain="judicial", act_date=None)
    return s


def _canonical_view(store: EmbeddedStore) -> tuple[list[Any], list[Any], list[Any]]:
    subjects = sorted(_rows(store.current_subjects()), key=lambda r: r["subject_id"])
    roles = sorted(
        (r["source_id"], r["role"], r["target_id"], r["ratio"], r["valid_from"], r["valid_to"]) for r in roles_of(store)
    )
    entries = sorted(
        (
            {k: v for k, v in r.items() if k not in {"recorded_at", "status_since"}}
            for r in _rows(store.current_entries())
        ),
        key=lambda r: r["entry_id"],
    )
    return subjects, roles, entries


def test_canonical_to_ftm_to_canonical_keeps_subjects_roles_ratios_and_entries(tmp_path: Path) -> None:
    from graphsvc.export_ftm import write_ftm
    from graphsvc.vocab import Scope

    with EmbeddedStore(tmp_path / "a.duckdb") as first, EmbeddedStore(tmp_path / "b.duckdb") as second:
        load(_round_trip_world().write(tmp_path / "in"), first)
        exported = tmp_path / "out" / "graph.ftm.json"
        exported.parent.mkdir()
        with exported.open("w", encoding="utf-8") as fh:
            write_ftm(first, fh, as_of=DAY, scope=Scope.AUTHORISED)
        summary = load(exported, second, LoadOptions(format="ftm"))
        assert summary.problems == [] and summary.loaded
        assert _canonical_view(second) == _canonical_view(first)


def test_an_entry_known_to_the_month_goes_to_ftm_and_back_with_its_precision(tmp_path: Path) -> None:
    from graphsvc.export_ftm import entities
    from graphsvc.vocab import Scope

    s = Scenario()
    firm = s.org("甲公司")
    s.entry(firm, "black", domain="tax", determined_on="2024年3月", valid_until="2027")
    with EmbeddedStore(tmp_path / "a.duckdb") as first, EmbeddedStore(tmp_path / "b.duckdb") as second:
        load(s.write(tmp_path / "in"), first)
        [sanction] = [e for e in entities(first, as_of=DAY, scope=Scope.AUTHORISED) if e.schema.name == "Sanction"]
        assert (sanction.first("listingDate"), sanction.first("endDate")) == ("2024-03", "2027")
        exported = tmp_path / "out" / "graph.ftm.json"
        exported.parent.mkdir()
        exported.write_text(json.dumps(sanction.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
        subjects = tmp_path / "out" / "firm.ftm.json"
        [company] = [e for e in entities(first, as_of=DAY, scope=Scope.AUTHORISED) if e.id == firm]
        subjects.write_text(json.dumps(company.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
        load(exported.parent, second, LoadOptions(format="ftm"))
        [entry] = entries_of(second).values()
        assert (entry["determined_on_precision"], entry["valid_until_precision"]) == ("month", "year")


def test_the_ftm_export_is_read_back_by_the_followthemoney_library(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    assert main(["load", str(_round_trip_world().write(tmp_path / "in")), "--db", str(db)], out=io.StringIO()) == 0
    args = ["derived", "--db", str(db), "--profile", "default", "--as-of", DAY.isoformat(), "--format", "json"]
    derived_out = io.StringIO()
    assert main(args, out=derived_out) == 0
    derived = json.loads(derived_out.getvalue())
    assert derived
    out = io.StringIO()
    assert main(["export", "--format", "ftm", "--db", str(db), "--as-of", DAY.isoformat()], out=out) == 0
    proxies = [model.get_proxy(json.loads(line)) for line in out.getvalue().splitlines()]
    by_schema: dict[str, int] = {}
    for p in proxies:
        by_schema[p.schema.name] = by_schema.get(p.schema.name, 0) + 1
    # The public export holds what the API shows the public (graphsvc/disclosure.py): the legal representative,
    # whom the firm's black entry reaches, not the director, of whom nothing is published; the director's role
    # goes with them.
    assert by_schema["Company"] == 3 and by_schema["Person"] == 1 and by_schema["Ownership"] == 2
    assert by_schema["Directorship"] == 1 and by_schema["UnknownLink"] == 2
    persons = [p for p in proxies if p.schema.name == "Person"]
    assert all(not p.get("idNumber") for p in persons)  # public tier: no ID numbers
    assert [p.first("name") for p in persons] == ["张*"]  # and names masked
    marked = [p for p in proxies if any(v.startswith("graphsvc:derived:") for v in p.get("programId", quiet=True))]
    published = [d for d in derived if vocabulary().effects[d["effect"]].audience == "public"]
    assert published and len(marked) == len(published)
    one = next(p for p in marked if p.first("programId") == f"graphsvc:derived:{published[0]['rule']}")
    assert one.schema.name == "Sanction" and one.first("entity") and one.first("recordId")
    assert {p.first("provisions") for p in marked} >= {d["legal_basis"] for d in published if d["legal_basis"]}
    # Loaded back, the derived records are skipped: the rules recompute them.
    back = tmp_path / "back.ftm.json"
    back.write_text(out.getvalue(), encoding="utf-8")
    with EmbeddedStore(tmp_path / "b.duckdb") as store:
        summary = load(back, store)
        assert store.stats()["entries"] == 3
        [skipped] = [w for w in summary.warnings if w.kind == "ignored_record" and "derived" in (w.value or "")]
        assert skipped.count == len(published)


# -- holdings without a ratio -----------------------------------------------------------------------------------


def test_holdings_without_a_ratio_are_shown_as_of_unknown_size(tmp_path: Path) -> None:
    s = Scenario()
    firm, parent, nominee, person = s.org("甲公司"), s.org("乙公司"), s.org("离岸公司"), s.person("王五")
    s.role(parent, "shareholder", firm, ratio=60)
    s.role(nominee, "shareholder", firm)  # ICIJ-style: the holding is known, its size is not
    s.role(person, "shareholder", parent)
    db = tmp_path / "x.duckdb"
    assert main(["load", str(s.write(tmp_path / "in")), "--db", str(db)], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["ownership", firm, "--db", str(db), "--as-of", DAY.isoformat()], out=out) == 0
    report = json.loads(out.getvalue())
    assert [(h["subject_id"], h["percent"]) for h in report["holdings"]] == [(parent, 60.0)]
    unknown = {(h["subject_id"], h["via"], h["depth"]): h for h in report["holdings_of_unknown_size"]}
    assert set(unknown) == {(nominee, firm, 1), (person, parent, 2)}
    assert unknown[(nominee, firm, 1)]["percent"] is None and unknown[(nominee, firm, 1)]["size"] == "unknown"
    assert [step["source"] for step in unknown[(person, parent, 2)]["path"]] == [parent, person]


@pytest.mark.parametrize(
    ("title", "roles"),
    [
        ("法人", ["legal_representative"]),  # graph exports of registries label the legal representative so
        ("执行事务合伙人", ["main_person_in_charge"]),  # partnerships name no legal representative
        ("独立非执行董事", ["director"]),
        ("职工代表监事", ["supervisor"]),
        ("首席执行官", ["senior_manager"]),
        ("董事长兼总经理", ["director", "senior_manager"]),
        ("董事、财务负责人", ["director", "senior_manager"]),
        ("有限合伙人", ["shareholder"]),
    ],
)
def test_titles_of_registry_and_disclosure_data_become_roles(
    tmp_path: Path, store: EmbeddedStore, title: str, roles: list[str]
) -> None:
    s = Scenario()
    s.role(s.person("周七"), title, s.org("甲合伙企业（有限合伙）"))
    summary = load(s.write(tmp_path / "in"), store)
    assert sorted(r["role"] for r in roles_of(store)) == roles
    assert summary.role_titles == {title: roles}


def test_controller_candidates_name_holders_of_unknown_size_last(tmp_path: Path) -> None:
    s = Scenario()
    firm, parent, nominee = s.org("甲公司"), s.org("乙公司"), s.org("离岸公司")
    s.role(parent, "shareholder", firm, ratio=60)
    s.role(nominee, "shareholder", firm)
    db = tmp_path / "x.duckdb"
    assert main(["load", str(s.write(tmp_path / "in")), "--db", str(db)], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["controllers", firm, "--db", str(db), "--as-of", DAY.isoformat()], out=out) == 0
    candidates = json.loads(out.getvalue())
    assert [(c["subject_id"], c["method"]) for c in candidates] == [
        (parent, "majority_chain"),
        (parent, "largest_ultimate_holder"),
        (nominee, "holder_of_unknown_size"),
    ]


def test_an_excel_registry_extract_loads_through_its_mapping(tmp_path: Path, store: EmbeddedStore) -> None:
    from openpyxl import Workbook

    directory = tmp_path / "in"
    directory.mkdir()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["股东信息"])  # a title row above the header, as exports often have … then a blank row
    sheet.append([])
    sheet.append(["企业名称", "统一社会信用代码", "股东名称", "股东类型", "证照/证件号码", "持股比例"])
    sheet.append(["大庆某某食品有限公司", FIRM, "北京某某集团", "企业法人", PARENT, 0.6])
    sheet["F4"].number_format = "0.00%"
    book.save(directory / "股东信息.xlsx")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["企业名称", "统一社会信用代码", "法定代表人", "成立日期"])
    sheet.append(["大庆某某食品有限公司", FIRM, "张伟", dt.datetime(2010, 1, 1)])
    book.save(directory / "企业基本信息.xlsx")
    with pytest.raises(LoadRefused) as refused:  # the title row is taken as the header: named, not guessed
        load(directory, store, LoadOptions(mapping="registry_extract"))
    assert {p.file for p in refused.value.problems} == {"股东信息.xlsx"}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["企业名称", "统一社会信用代码", "股东名称", "股东类型", "证照/证件号码", "持股比例"])
    sheet.append(["大庆某某食品有限公司", FIRM, "北京某某集团", "企业法人", PARENT, 0.6])
    sheet["F2"].number_format = "0.00%"
    book.save(directory / "股东信息.xlsx")
    summary = load(directory, store, LoadOptions(mapping="registry_extract"))
    assert summary.encodings == {"股东信息.xlsx": "xlsx", "企业基本信息.xlsx": "xlsx"}
    held = sorted((r["source_id"], r["role"], r["ratio"]) for r in roles_of(store))
    assert held == sorted([(PARENT, "shareholder", 60.0), (opaque_id(f"{FIRM}/张伟"), "legal_representative", None)])


def test_a_mapping_beside_ftm_entities_overrides_the_ftm_tables(tmp_path: Path) -> None:
    path = _ftm_world(tmp_path / "in" / "world.ftm.json")
    override = tmp_path / "ftm.yaml"
    override.write_text("scope: government\n", encoding="utf-8")
    assert detect_format(path.parent, LoadOptions(mapping=str(override))) == "ftm"
    csv_dir = _write_csv(tmp_path / "csv" / "x.csv", ["名称"], [["甲"]]).parent
    assert detect_format(csv_dir, LoadOptions(mapping="registry_extract")) == "mapped"
